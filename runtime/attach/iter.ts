// iter:task, iter:task_file …: BPF iterators (Linux 5.8+). The program is linked to its iterator target, and
// each read of an iterator fd made from the link runs it over every object (here: every task), once. A pinned
// iterator (iter:task:NAME) puts the link in the BPF filesystem instead, where each read of the file runs it.
import type { LoadedProgram } from '../loader.ts';
import { ScryRuntimeError } from '../errors.ts';
import { AttachType, OwnedFd, iterCreate, linkCreate, objPin, readFd } from '../sys/index.ts';
import type { Attachment } from './types.ts';

export function attachIter(p: LoadedProgram, text: string, pinAt?: string): Attachment {
  let link: OwnedFd;
  try {
    link = new OwnedFd(linkCreate({ progFd: p.fd.fd, targetFd: 0, attachType: AttachType.TRACE_ITER }), `link ${text}`);
  } catch (e) {
    throw new ScryRuntimeError(`cannot attach ${text}: ${(e as Error).message}`, p.spec.attach.span, [], { cause: e });
  }
  const close = () => link.close();
  if (pinAt !== undefined)
    return {
      description: text,
      close,
      pin() {
        try {
          objPin(link.fd, pinAt);
        } catch (e) {
          throw new ScryRuntimeError(`cannot pin ${text} at ${pinAt}: ${(e as Error).message}`, p.spec.attach.span, [
            ...pinHints((e as NodeJS.ErrnoException).code, pinAt),
          ]);
        }
        return pinAt;
      },
    };
  return {
    description: text,
    close,
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

function pinHints(code: string | undefined, path: string): string[] {
  if (code === 'EEXIST') return [`something is pinned there already: remove it (rm ${path}) or pin elsewhere`];
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  if (code === 'ENOENT') return [`${dir} must exist in a BPF filesystem (mount -t bpf bpf /sys/fs/bpf)`];
  if (code === 'EPERM' || code === 'EINVAL')
    return [`${dir} is not in a BPF filesystem: pin under /sys/fs/bpf (mount -t bpf bpf /sys/fs/bpf)`];
  return [];
}
