// scry's standard library of script macros: names bpftrace v0.26 defines as macros in its own standard
// library, written here in the script language and expanded where they are used (script-macros.ts).
// Messages from inside these macros name this text as `stdlib/base.bt`, line and column, as bpftrace's do.
// (The builtin wrappers, `cpu()` for `cpu` and `__builtin_cpu`, need no text: script-macros.ts maps them.)

export const STDLIB_NAME = 'stdlib/base.bt';

// Keep assert's errorf on line 6, column 5: bpftrace v0.26 reports a failed assert at stdlib/base.bt:6:5.
export const STDLIB_TEXT = `// scry standard library (script macros). Edit lang/script-stdlib.ts.
// assert(cond, msg): when cond is false, report msg as an error and end the script with exit code 1.
macro assert(cond, msg)
{
  if (!cond) {
    errorf("assert failed: %s", msg);
    exit(1);
  }
}

// The parent's PID, the thread-group leader's TID, and their names, of a task (default: the current one).
macro ppid(task) { task.real_parent.pid }
macro ppid() { ppid(curtask) }
macro leader_tid(task) { task.group_leader.pid }
macro leader_tid() { leader_tid(curtask) }
macro pcomm(task) { task.real_parent.comm }
macro pcomm() { pcomm(curtask) }
macro leader_comm(task) { task.group_leader.comm }
macro leader_comm() { leader_comm(curtask) }

// is_err(p): p is an error pointer, -4095 to -1 as a signed number (the kernel's IS_ERR()).
macro is_err(ptr) { (int64)ptr < 0 && (int64)ptr >= -4095 }

// find(@map, key, $var): whether the map has key; where it has, $var takes its value, else $var keeps its own.
macro find(@map, key, $var)
{
  let $key = key;
  let $found = has_key(@map, $key);
  if ($found) {
    $var = @map[$key];
  }
  $found
}
`;
