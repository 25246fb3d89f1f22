// What the checker may ask about the running kernel. The runtime implements it from tracefs and BTF;
// tests can hand the checker a fixed table. The checker never touches the file system itself.

export interface TracepointField {
  readonly name: string;
  readonly type: string; // as written in the format file, e.g. 'const char *', 'char[16]', '__data_loc char[]'
  readonly offset: number;
  readonly size: number;
  readonly signed: boolean;
  readonly common: boolean;
}

export interface TracepointFormat {
  readonly group: string;
  readonly event: string;
  readonly id: number;
  readonly fields: readonly TracepointField[];
}

export interface KernelInfo {
  readonly arch: 'x86_64' | 'arm64';
  /** All tracepoints as group:event, for wildcard expansion and "did you mean". */
  tracepoints(): readonly { readonly group: string; readonly event: string }[];
  tracepointFormat(group: string, event: string): TracepointFormat | undefined;
}
