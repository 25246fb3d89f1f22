// The bundled CLI's entry point.
import './no-inspector.ts'; // first: no window in which SIGUSR1 opens Node's inspector
import { finishStdio, stderr } from './stdio.ts'; // before anything touches process.stdout
import { main } from './cli.ts';
import { exitWithoutTeardown } from './exit-now.ts';
import { mark, noteInheritedDescriptors } from '../runtime/index.ts';

mark('modules (top level)');

noteInheritedDescriptors(); // before scry opens anything: what the -c command is to get besides stdio

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    finishStdio();
    // Once the event loop has nothing left (queued output drained: a pipe's queue keeps it alive till then),
    // exit at once: Node's teardown of a finished process (the heap freed page by page, threads joined) is
    // 10-20 ms more; 'exit' handlers still run, and after the last of them, _exit(2) skips what is left of it.
    process.once('beforeExit', () => {
      process.once('exit', exitWithoutTeardown); // the last 'exit' listener: the launcher's and --timings' run first
      process.exit();
    });
  },
  (e) => {
    // Only bugs reach here: user mistakes and environment failures are reported as diagnostics.
    stderr.write(`scry: internal error (please report it): ${(e as Error).stack ?? e}\n`);
    process.exitCode = 2;
  },
);
