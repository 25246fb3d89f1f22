// An attached probe: something that can be undone.
export interface Attachment {
  readonly description: string;
  close(): void;
}
