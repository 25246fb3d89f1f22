// An attached probe: something that can be undone.
export interface Attachment {
  readonly description: string;
  close(): void;
  /** iterators: runs the program over every object once (its output arrives on the ring buffer); `between` runs after each read */
  run?(between: () => void): void;
}
