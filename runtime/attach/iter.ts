// iter:task, iter:task_file …: BPF iterators (Linux 5.8+). The program is linked to its iterator target, and
// each read of an iterator fd made from the link runs it over every object (here: every task), once.
import type { LoadedProgram } from '../loader.ts';
import { ScryRuntimeError } from '../errors.ts';
import { AttachType, OwnedFd, iterCreate, linkCreate, readFd } from '../sys/index.ts';
import type { Attachment } from './types.ts';

export interface IterAttachment extends Attachment {
  /** Runs the iterator to its end (the program's output arrives on the ring buffer); `between` runs after each read. */
  run(between: () => void): void;
}

export function attachIter(p: LoadedProgram, text: string): IterAttachment {
  let link: OwnedFd;
  try {
    link = new OwnedFd(linkCreate({ progFd: p.fd.fd, targetFd: 0, attachType: AttachType.TRACE_ITER }), `link ${text}`);
  } catch (e) {
    throw new ScryRuntimeError(`cannot attach ${text}: ${(e as Error).message}`, p.spec.attach.span, [], { cause: e });
  }
  return {
    description: text,
    close: () => link.close(),
    run(between) {
      const it = new OwnedFd(iterCreate(link.fd), `iter ${text}`);
      try {
        const buf = new Uint8Array(4096);
        while (readFd(it.fd, buf, `read ${text}`) > 0) between();
        between();
      } finally {
        it.close();
      }
    },
  };
}
