// Builtin variables and functions: their types and where they are valid.
import type { ProviderName } from './providers.ts';
import { i64, pointer, stackType, stringType, u32, u64, viewed, type Type } from './types.ts';

export interface BuiltinVar {
  readonly name: string;
  readonly type: Type;
  readonly doc: string;
  /** Providers where the value means something; undefined = everywhere. */
  readonly only?: readonly ProviderName[];
}

export const builtinVars: readonly BuiltinVar[] = [
  { name: 'pid', type: u32, doc: 'process id (tgid) of the current task' },
  { name: 'tid', type: u32, doc: 'thread id of the current task' },
  { name: 'uid', type: u32, doc: 'user id of the current task' },
  { name: 'gid', type: u32, doc: 'group id of the current task' },
  { name: 'comm', type: stringType(16), doc: 'name of the current task' },
  { name: 'nsecs', type: u64, doc: 'monotonic time in nanoseconds' },
  { name: 'cpu', type: u32, doc: 'processor the probe runs on' },
  { name: 'numaid', type: u32, doc: 'NUMA node the probe runs on' },
  { name: 'rand', type: u32, doc: 'a pseudo-random 32-bit number' },
  { name: 'cgroup', type: u64, doc: 'cgroup v2 id of the current task' },
  { name: 'jiffies', type: u64, doc: 'kernel jiffies' },
  { name: 'elapsed', type: u64, doc: 'nanoseconds since scry started the program' },
  { name: 'ncpus', type: u64, doc: 'number of CPUs online when the program started' },
  { name: 'cpid', type: u32, doc: 'pid of the command started with -c' },
  { name: 'kstack', type: stackType('kernel'), doc: 'the kernel stack' },
  { name: 'ustack', type: stackType('user'), doc: 'the user stack' },
  { name: 'username', type: viewed({ kind: 'username' }), doc: 'name of the user running the current task' },
  { name: 'curtask', type: pointer('kernel'), doc: 'address of the current task_struct' },
  { name: 'func', type: viewed({ kind: 'ksym' }), doc: 'the traced function', only: ['kprobe', 'kretprobe'] },
  { name: 'probe', type: stringType(64), doc: 'the full name of the probe that fired' },
  { name: 'retval', type: i64, doc: 'the return value of the traced function', only: ['kretprobe', 'uretprobe', 'fexit'] },
  ...[0, 1, 2, 3, 4, 5].map(
    (n): BuiltinVar => ({ name: `arg${n}`, type: u64, doc: `argument ${n} of the traced function`, only: ['kprobe', 'uprobe', 'usdt', 'rawtracepoint', 'fentry', 'fexit'] }),
  ),
];

const varByName = new Map(builtinVars.map((b) => [b.name, b]));
export function lookupBuiltinVar(name: string): BuiltinVar | undefined {
  return varByName.get(name);
}

export type FunctionName = string;

export interface BuiltinFunction {
  readonly name: FunctionName;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly signature: string;
  /** Aggregations must be assigned straight to a map: `@m[k] = count()`. */
  readonly aggregation: boolean;
}

/**
 * printf-like functions (printf, system, cat, errorf, warnf): the format and up to 127 values, bpftrace's limit
 * (v0.17 and v0.26 alike count the format). Their event record has a size limit too (check/formats.ts).
 */
export const FORMAT_MAX_ARGS = 128;

export const builtinFunctions: readonly BuiltinFunction[] = [
  { name: 'count', minArgs: 0, maxArgs: 0, signature: 'count()', aggregation: true },
  { name: 'sum', minArgs: 1, maxArgs: 1, signature: 'sum(int n)', aggregation: true },
  { name: 'min', minArgs: 1, maxArgs: 1, signature: 'min(int n)', aggregation: true },
  { name: 'max', minArgs: 1, maxArgs: 1, signature: 'max(int n)', aggregation: true },
  { name: 'avg', minArgs: 1, maxArgs: 1, signature: 'avg(int n)', aggregation: true },
  { name: 'stats', minArgs: 1, maxArgs: 1, signature: 'stats(int n)', aggregation: true },
  { name: 'hist', minArgs: 1, maxArgs: 2, signature: 'hist(int n [, int k])', aggregation: true },
  { name: 'lhist', minArgs: 4, maxArgs: 4, signature: 'lhist(int n, int min, int max, int step)', aggregation: true },
  { name: 'clear', minArgs: 1, maxArgs: 1, signature: 'clear(@map)', aggregation: false },
  { name: 'zero', minArgs: 1, maxArgs: 1, signature: 'zero(@map)', aggregation: false },
  { name: 'delete', minArgs: 1, maxArgs: 2, signature: 'delete(@map, key) or delete(@map[key])', aggregation: false },
  { name: 'has_key', minArgs: 1, maxArgs: 2, signature: 'has_key(@map, key)', aggregation: false },
  { name: 'len', minArgs: 1, maxArgs: 1, signature: 'len(@map)', aggregation: false },
  { name: 'print', minArgs: 1, maxArgs: 3, signature: 'print(@map [, int top [, int div]]) or print(value)', aggregation: false },
  { name: 'exit', minArgs: 0, maxArgs: 1, signature: 'exit([int code])', aggregation: false },
  { name: 'printf', minArgs: 1, maxArgs: FORMAT_MAX_ARGS, signature: 'printf(string fmt, ...)', aggregation: false },
  { name: 'time', minArgs: 0, maxArgs: 1, signature: 'time([string format])', aggregation: false },
  { name: 'system', minArgs: 1, maxArgs: FORMAT_MAX_ARGS, signature: 'system(string command_format, ...)', aggregation: false },
  { name: 'cat', minArgs: 1, maxArgs: FORMAT_MAX_ARGS, signature: 'cat(string path_format, ...)', aggregation: false },
  { name: 'str', minArgs: 1, maxArgs: 2, signature: 'str(char *s [, int length])', aggregation: false },
  { name: 'strerror', minArgs: 1, maxArgs: 1, signature: 'strerror(int errno)', aggregation: false },
  { name: 'strcontains', minArgs: 2, maxArgs: 2, signature: 'strcontains(string haystack, string needle)', aggregation: false },
  { name: 'strlen', minArgs: 1, maxArgs: 1, signature: 'strlen(string s)', aggregation: false },
  { name: 'bswap', minArgs: 1, maxArgs: 1, signature: 'bswap(int n)', aggregation: false },
  { name: 'strncmp', minArgs: 3, maxArgs: 3, signature: 'strncmp(string a, string b, int n)', aggregation: false },
  { name: 'kstack', minArgs: 0, maxArgs: 2, signature: 'kstack([bpftrace|perf|raw] [, int frames])', aggregation: false },
  { name: 'ustack', minArgs: 0, maxArgs: 2, signature: 'ustack([bpftrace|perf|raw] [, int frames])', aggregation: false },
  { name: 'buf', minArgs: 1, maxArgs: 2, signature: 'buf(void *p [, int length])', aggregation: false },
  { name: 'ksym', minArgs: 1, maxArgs: 1, signature: 'ksym(int address)', aggregation: false },
  { name: 'usym', minArgs: 1, maxArgs: 1, signature: 'usym(int address)', aggregation: false },
  { name: 'kaddr', minArgs: 1, maxArgs: 1, signature: 'kaddr(string symbol)', aggregation: false },
  { name: 'uaddr', minArgs: 1, maxArgs: 1, signature: 'uaddr(string symbol)', aggregation: false },
  { name: 'kptr', minArgs: 1, maxArgs: 1, signature: 'kptr(int address)', aggregation: false },
  { name: 'uptr', minArgs: 1, maxArgs: 1, signature: 'uptr(int address)', aggregation: false },
  { name: 'ntop', minArgs: 1, maxArgs: 2, signature: 'ntop([int af,] int|char[4]|char[16] address)', aggregation: false },
  { name: 'pton', minArgs: 1, maxArgs: 1, signature: 'pton(string address)', aggregation: false },
  { name: 'macaddr', minArgs: 1, maxArgs: 1, signature: 'macaddr(char[6] address)', aggregation: false },
  { name: 'cgroupid', minArgs: 1, maxArgs: 1, signature: 'cgroupid(string path)', aggregation: false },
  { name: 'cgroup_path', minArgs: 1, maxArgs: 1, signature: 'cgroup_path(int cgroup_id)', aggregation: false },
  { name: 'strftime', minArgs: 2, maxArgs: 2, signature: 'strftime(string format, int nsecs)', aggregation: false },
  { name: 'join', minArgs: 1, maxArgs: 2, signature: 'join(char *argv[] [, string separator])', aggregation: false },
  { name: 'errorf', minArgs: 1, maxArgs: FORMAT_MAX_ARGS, signature: 'errorf(string fmt, ...)', aggregation: false },
  { name: 'warnf', minArgs: 1, maxArgs: FORMAT_MAX_ARGS, signature: 'warnf(string fmt, ...)', aggregation: false },
  { name: 'reg', minArgs: 1, maxArgs: 1, signature: "reg(string register_name)", aggregation: false },
  { name: 'path', minArgs: 1, maxArgs: 1, signature: 'path(struct path *p)', aggregation: false },
  { name: 'signal', minArgs: 1, maxArgs: 1, signature: 'signal(int|string signal)', aggregation: false },
  { name: 'override', minArgs: 1, maxArgs: 1, signature: 'override(int return_value)', aggregation: false },
];

const fnByName = new Map(builtinFunctions.map((f) => [f.name as string, f]));
export function lookupFunction(name: string): BuiltinFunction | undefined {
  return fnByName.get(name);
}
