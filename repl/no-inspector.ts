// Node opens its inspector (a debugger anyone on the machine can connect to, on 127.0.0.1:9229) when the
// process receives SIGUSR1 and nothing listens for that signal. scry runs as root: a listener must be in
// place before anything else runs, in every mode (bin/scry.cjs installs one even earlier). What SIGUSR1
// does for a running program (print the maps) is added by the CLI beside this one.
process.on('SIGUSR1', () => {});
