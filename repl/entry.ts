// The bundled CLI's entry point.
import { main } from './cli.ts';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    // Only bugs reach here: user mistakes and environment failures are reported as diagnostics.
    process.stderr.write(`scry: internal error (please report it): ${(e as Error).stack ?? e}\n`);
    process.exitCode = 2;
  },
);
