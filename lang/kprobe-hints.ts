// Where a kprobe cannot go (no kprobes in this kernel, or no such function), what can: the tracepoints that
// see the same calls, as data in one table, and the user's own probe rewritten for them where every value
// it reads has an exact counterpart. Pure: the kernel is asked only through KernelInfo, and a tracepoint
// is suggested only when this kernel has it (every suggestion must attach).
import type { Probe } from './ast.ts';
import { globRegExp } from './glob.ts';
import type { KernelInfo } from './kernel.ts';
import { parse } from './parse.ts';
import type { Span } from './source.ts';
import { walk } from './walk.ts';

/** Tracepoints that, together, fire for the calls a kprobe on the function would see. */
interface StandIn {
  /** group:event; the suggestion names those this kernel has */
  readonly tracepoints: readonly string[];
  /** what they see, for the hint: "read(2) and pread64(2)" */
  readonly sees: string;
  /** kprobe value (arg0…, retval) → tracepoint field holding exactly that value on every call it sees */
  readonly fields?: Readonly<Record<string, string>>;
  /** a predicate that narrows the tracepoints to these calls (added to the rewritten probe) */
  readonly filter?: string;
}

/** entry: for kprobe; exit: for kretprobe (kretprobe falls back to entry, without retval). */
interface Hint {
  readonly entry: readonly StandIn[];
  readonly exit?: readonly StandIn[];
}

const sys = (names: string, phase: 'enter' | 'exit') => names.split(' ').map((n) => `syscalls:sys_${phase}_${n}`);

/** A syscall stand-in: sys_enter_* at entry, sys_exit_* (retval is args->ret) at return. */
function syscalls(names: string, sees: string, fields: Record<string, string> = {}): Hint {
  return {
    entry: [{ tracepoints: sys(names, 'enter'), sees, fields }],
    exit: [{ tracepoints: sys(names, 'exit'), sees, fields: { retval: 'ret' } }],
  };
}

const one = (tracepoints: string, sees: string, fields?: Record<string, string>, filter?: string): StandIn => ({
  tracepoints: tracepoints.split(' '),
  sees,
  ...(fields ? { fields } : {}),
  ...(filter ? { filter } : {}),
});

/** A hint with one stand-in, seen at entry (and, for a kretprobe, without retval). */
const at = (...args: Parameters<typeof one>): Hint => ({ entry: [one(...args)] });

const EXECVE = [
  one('syscalls:sys_enter_execve syscalls:sys_enter_execveat', 'execve(2) and execveat(2)'),
  one('sched:sched_process_exec', 'each exec that succeeded'),
];

const TCP = 6;
const UDP = 17;
const TCP_SYN_SENT = 2;
const TCP_CLOSE = 7;

/** connect() on a TCP socket: its state change to SYN_SENT (the socket is arg0) or, from user space, connect(2). */
const tcpConnect = (sees: string): Hint => ({
  entry: [
    one(
      'sock:inet_sock_set_state',
      sees,
      { arg0: 'skaddr' },
      `args->protocol == ${TCP} && args->newstate == ${TCP_SYN_SENT}`,
    ),
    one('syscalls:sys_enter_connect', 'connect(2)'),
  ],
});

/** A socket's sendmsg/recvmsg: the length tracepoint fires as it returns (the socket is arg0, the result retval). */
function sockLength(dir: 'send' | 'recv', what: 'TCP' | 'UDP' | 'socket', protocol?: number): Hint {
  const verb = dir === 'send' ? 'send' : 'receive';
  const filter = protocol === undefined ? undefined : `args->protocol == ${protocol}`;
  return {
    entry: [
      one(`sock:sock_${dir}_length`, `each ${what} ${verb} (fired as the ${verb} returns)`, { arg0: 'sk' }, filter),
    ],
    exit: [one(`sock:sock_${dir}_length`, `each ${what} ${verb}`, { retval: 'ret' }, filter)],
  };
}

/**
 * The most-traced kernel functions (bpftrace tools, BCC, perf-tools, kernel engineers' one-liners) and
 * what sees the same calls. Keys are function names; `_noprof` variants (Linux 6.10+) are looked up by
 * their older name. A `fields` entry is listed only where the value is the same on every call.
 */
let built: Readonly<Record<string, Hint>> | undefined;
// built when a kprobe needs a hint, not at every start (1.7 ms of module loading, measured in the bundle)
const table = (): Readonly<Record<string, Hint>> =>
  (built ??= {
    // files
    vfs_read: syscalls('read pread64', 'read(2) and pread64(2) (in-kernel reads have no tracepoint)', {
      arg1: 'buf',
      arg2: 'count',
    }),
    vfs_write: syscalls('write pwrite64', 'write(2) and pwrite64(2) (in-kernel writes have no tracepoint)', {
      arg1: 'buf',
      arg2: 'count',
    }),
    ksys_read: syscalls('read', 'read(2)', { arg0: 'fd', arg1: 'buf', arg2: 'count' }),
    ksys_write: syscalls('write', 'write(2)', { arg0: 'fd', arg1: 'buf', arg2: 'count' }),
    vfs_readv: syscalls('readv preadv preadv2', 'readv(2) and its variants'),
    vfs_writev: syscalls('writev pwritev pwritev2', 'writev(2) and its variants'),
    do_sys_openat2: syscalls('open openat openat2', 'open(2), openat(2) and openat2(2)', {
      arg0: 'dfd',
      arg1: 'filename',
    }),
    do_sys_open: syscalls('open openat', 'open(2) and openat(2)', { arg0: 'dfd', arg1: 'filename', arg3: 'mode' }),
    do_filp_open: syscalls('open openat openat2', 'the open syscalls (exec and in-kernel opens have no tracepoint)'),
    vfs_open: syscalls('open openat openat2', 'the open syscalls (exec and in-kernel opens have no tracepoint)'),
    security_file_open: syscalls(
      'open openat openat2',
      'the open syscalls (exec and in-kernel opens have no tracepoint)',
    ),
    filp_close: syscalls('close', 'close(2)'),
    close_fd: syscalls('close', 'close(2)', { arg0: 'fd' }),
    vfs_fsync: syscalls('fsync fdatasync', 'fsync(2) and fdatasync(2)'),
    vfs_fsync_range: syscalls('fsync fdatasync', 'fsync(2) and fdatasync(2)'),
    vfs_unlink: syscalls('unlink unlinkat', 'unlink(2) and unlinkat(2)'),
    do_unlinkat: syscalls('unlink unlinkat', 'unlink(2) and unlinkat(2)'),
    vfs_mkdir: syscalls('mkdir mkdirat', 'mkdir(2) and mkdirat(2)'),
    do_mkdirat: syscalls('mkdir mkdirat', 'mkdir(2) and mkdirat(2)'),
    vfs_rename: syscalls('rename renameat renameat2', 'the rename syscalls'),
    do_renameat2: syscalls('rename renameat renameat2', 'the rename syscalls'),
    vfs_statx: syscalls('newstat newlstat newfstatat statx', 'the stat syscalls'),
    vfs_getattr: syscalls('newstat newlstat newfstat newfstatat statx', 'the stat syscalls'),
    do_sys_poll: syscalls('poll ppoll', 'poll(2) and ppoll(2)'),
    do_epoll_wait: syscalls('epoll_wait epoll_pwait epoll_pwait2', 'the epoll_wait syscalls'),
    do_nanosleep: syscalls('nanosleep clock_nanosleep', 'nanosleep(2) and clock_nanosleep(2)'),
    hrtimer_nanosleep: syscalls('nanosleep clock_nanosleep', 'nanosleep(2) and clock_nanosleep(2)'),
    do_mmap: syscalls('mmap', 'mmap(2) (in-kernel mappings have no tracepoint)'),
    vm_mmap_pgoff: syscalls('mmap', 'mmap(2)'),
    // processes
    do_execveat_common: {
      entry: EXECVE,
      exit: [
        one('syscalls:sys_exit_execve syscalls:sys_exit_execveat', 'execve(2) and execveat(2)', { retval: 'ret' }),
      ],
    },
    bprm_execve: { entry: EXECVE },
    do_exit: {
      entry: [
        one('sched:sched_process_exit', 'every exiting task (fired in do_exit)'),
        one('syscalls:sys_enter_exit syscalls:sys_enter_exit_group', 'exit(2) and exit_group(2) (not exits by signal)'),
      ],
    },
    do_group_exit: {
      entry: [
        one('syscalls:sys_enter_exit_group', 'exit_group(2) (not exits by signal)'),
        one('sched:sched_process_exit', 'every exiting task'),
      ],
    },
    kernel_clone: at('sched:sched_process_fork', 'each new task (fired in kernel_clone)'),
    copy_process: at('task:task_newtask', 'each new task (fired in copy_process)'),
    wake_up_new_task: at('sched:sched_wakeup_new', 'each new task woken for the first time'),
    __set_task_comm: at('task:task_rename', 'each comm change'),
    // scheduler
    schedule: at('sched:sched_switch', 'every context switch'),
    __schedule: at('sched:sched_switch', 'every context switch'),
    finish_task_switch: at('sched:sched_switch', 'every context switch'),
    try_to_wake_up: {
      entry: [one('sched:sched_waking', 'each wakeup (fired in try_to_wake_up)')],
      exit: [one('sched:sched_wakeup', 'each task woken')],
    },
    wake_up_process: at('sched:sched_waking', 'each wakeup'),
    set_task_cpu: at('sched:sched_migrate_task', 'each task moved to another CPU'),
    // memory
    kmem_cache_alloc: {
      entry: [one('kmem:kmem_cache_alloc', 'each slab allocation (fired once it is allocated)', { arg1: 'gfp_flags' })],
      exit: [one('kmem:kmem_cache_alloc', 'each slab allocation', { retval: 'ptr' })],
    },
    kmem_cache_free: at('kmem:kmem_cache_free', 'each slab free', { arg1: 'ptr' }),
    __kmalloc: {
      entry: [
        one('kmem:kmalloc', 'each kmalloc (fired once it is allocated)', { arg0: 'bytes_req', arg1: 'gfp_flags' }),
      ],
      exit: [one('kmem:kmalloc', 'each kmalloc', { retval: 'ptr' })],
    },
    kmalloc_trace: at('kmem:kmalloc', 'each kmalloc'),
    __kmalloc_node: at('kmem:kmalloc', 'each kmalloc'),
    kfree: at('kmem:kfree', 'each kfree', { arg0: 'ptr' }),
    __alloc_pages: at('kmem:mm_page_alloc', 'each page allocation', { arg1: 'order' }),
    __free_pages: at('kmem:mm_page_free', 'each page freed'),
    handle_mm_fault: at('exceptions:page_fault_user exceptions:page_fault_kernel', 'each page fault'),
    exc_page_fault: at('exceptions:page_fault_user exceptions:page_fault_kernel', 'each page fault'),
    filemap_add_folio: at('filemap:mm_filemap_add_to_page_cache', 'each page added to the page cache'),
    filemap_fault: at('filemap:mm_filemap_fault', 'each page cache fault'),
    try_to_free_pages: at('vmscan:mm_vmscan_direct_reclaim_begin', 'each direct reclaim'),
    out_of_memory: at('oom:mark_victim', 'each task the OOM killer picks'),
    oom_kill_process: at('oom:mark_victim', 'each task the OOM killer picks'),
    balance_dirty_pages: at('writeback:balance_dirty_pages', 'each dirty-page throttling'),
    // block I/O
    blk_mq_start_request: at(
      'block:block_rq_issue',
      'each request issued to the device (fired in blk_mq_start_request)',
    ),
    blk_account_io_start: at('block:block_io_start', 'each request accounted at its start'),
    blk_account_io_done: at('block:block_io_done', 'each request accounted when done'),
    blk_mq_end_request: at('block:block_rq_complete', 'each completed request'),
    blk_update_request: at('block:block_rq_complete', 'each completed request'),
    blk_mq_complete_request: at('block:block_rq_complete', 'each completed request'),
    submit_bio: at('block:block_bio_queue', 'each bio queued'),
    submit_bio_noacct: at('block:block_bio_queue', 'each bio queued'),
    blk_mq_submit_bio: at('block:block_bio_queue', 'each bio queued'),
    blk_mq_insert_request: at('block:block_rq_insert', 'each request inserted'),
    // network
    tcp_connect: tcpConnect('each TCP socket entering SYN_SENT, as tcp_connect follows'),
    tcp_v4_connect: tcpConnect('each TCP socket entering SYN_SENT'),
    tcp_v6_connect: tcpConnect('each TCP socket entering SYN_SENT'),
    __sys_connect: syscalls('connect', 'connect(2)', { arg0: 'fd', arg1: 'uservaddr', arg2: 'addrlen' }),
    inet_csk_accept: syscalls('accept accept4', 'accept(2) and accept4(2)'),
    tcp_set_state: at(
      'sock:inet_sock_set_state',
      'each TCP state change',
      { arg0: 'skaddr', arg1: 'newstate' },
      `args->protocol == ${TCP}`,
    ),
    tcp_close: at(
      'sock:inet_sock_set_state',
      'each TCP socket entering CLOSE',
      { arg0: 'skaddr' },
      `args->protocol == ${TCP} && args->newstate == ${TCP_CLOSE}`,
    ),
    tcp_sendmsg: sockLength('send', 'TCP', TCP),
    tcp_recvmsg: sockLength('recv', 'TCP', TCP),
    udp_sendmsg: sockLength('send', 'UDP', UDP),
    udp_recvmsg: sockLength('recv', 'UDP', UDP),
    tcp_retransmit_skb: at('tcp:tcp_retransmit_skb', 'each retransmitted segment', { arg0: 'skaddr', arg1: 'skbaddr' }),
    __tcp_retransmit_skb: at('tcp:tcp_retransmit_skb', 'each retransmitted segment', {
      arg0: 'skaddr',
      arg1: 'skbaddr',
    }),
    tcp_send_reset: at('tcp:tcp_send_reset', 'each RST sent'),
    tcp_v4_send_reset: at('tcp:tcp_send_reset', 'each RST sent'),
    tcp_rcv_established: at('tcp:tcp_probe', 'each segment received on an established connection', { arg0: 'skaddr' }),
    tcp_drop: at('skb:kfree_skb', 'each dropped packet'),
    kfree_skb_reason: at('skb:kfree_skb', 'each dropped packet', { arg0: 'skbaddr', arg1: 'reason' }),
    sk_skb_reason_drop: at('skb:kfree_skb', 'each dropped packet', { arg1: 'skbaddr', arg2: 'reason' }),
    consume_skb: at('skb:consume_skb', 'each packet consumed'),
    __dev_queue_xmit: at('net:net_dev_queue', 'each packet queued for transmit', { arg0: 'skbaddr' }),
    dev_queue_xmit: at('net:net_dev_queue', 'each packet queued for transmit', { arg0: 'skbaddr' }),
    dev_hard_start_xmit: at('net:net_dev_start_xmit', 'each packet handed to a driver'),
    netif_receive_skb: at('net:netif_receive_skb', 'each packet received'),
    __netif_receive_skb: at('net:netif_receive_skb', 'each packet received'),
    __netif_receive_skb_core: at('net:netif_receive_skb', 'each packet received'),
    napi_gro_receive: at('net:napi_gro_receive_entry', 'each packet handed to GRO', { arg1: 'skbaddr' }),
    __napi_poll: at('napi:napi_poll', 'each NAPI poll'),
    sock_sendmsg: sockLength('send', 'socket'),
    sock_recvmsg: sockLength('recv', 'socket'),
    // interrupts, signals, capabilities
    handle_irq_event: at('irq:irq_handler_entry', 'each interrupt handler run'),
    __handle_irq_event_percpu: at('irq:irq_handler_entry', 'each interrupt handler run'),
    handle_softirqs: at('irq:softirq_entry', 'each softirq run'),
    __do_softirq: at('irq:softirq_entry', 'each softirq run'),
    __send_signal_locked: at('signal:signal_generate', 'each signal generated (fired in __send_signal_locked)'),
    send_signal_locked: at('signal:signal_generate', 'each signal generated'),
    do_send_sig_info: at('signal:signal_generate', 'each signal generated'),
    get_signal: at('signal:signal_deliver', 'each signal delivered'),
    cap_capable: {
      entry: [
        one('capability:cap_capable', 'each capability check (fired as the check returns)', {
          arg0: 'cred',
          arg1: 'target_ns',
          arg2: 'cap',
        }),
      ],
      exit: [one('capability:cap_capable', 'each capability check', { retval: 'ret' })],
    },
  });

/** Syscall entry points: `__x64_sys_openat` and friends are the syscall; by-value variants take its arguments in order. */
const SYSCALL_ENTRY = /^(?:__x64_sys_|__ia32_sys_|__arm64_sys_|__se_sys_|__do_sys_|sys_)(\w+)$/;
const BY_VALUE = /^(?:__se_sys_|__do_sys_)/;

type Kernel = Pick<KernelInfo, 'tracepoints' | 'tracepointFormat'>;

/** The stand-ins for a function, from the table or, for a syscall's own entry point, its tracepoints. */
function standInsFor(func: string, phase: 'entry' | 'exit', kernel: Kernel): readonly StandIn[] {
  const hint = table()[func] ?? table()[func.replace(/_noprof$/, '')];
  if (hint)
    return (
      (phase === 'exit' ? hint.exit : undefined) ??
      hint.entry.map((s) => ({
        ...s,
        fields: Object.fromEntries(Object.entries(s.fields ?? {}).filter(([k]) => k !== 'retval')),
      }))
    );
  const m = SYSCALL_ENTRY.exec(func);
  if (!m) return [];
  const event = `sys_${phase === 'entry' ? 'enter' : 'exit'}_${m[1]}`;
  const fields: Record<string, string> = {};
  if (phase === 'exit') fields.retval = 'ret';
  else if (BY_VALUE.test(func)) {
    const args = (kernel.tracepointFormat('syscalls', event)?.fields ?? []).filter(
      (f) => !f.common && f.name !== '__syscall_nr',
    );
    args.forEach((f, i) => (fields[`arg${i}`] = f.name));
  }
  return [{ tracepoints: [`syscalls:${event}`], sees: `the ${m[1]} syscall`, fields }];
}

/** A stand-in narrowed to the tracepoints this kernel has, its fields to those every one of them has. */
function present(s: StandIn, kernel: Kernel): StandIn | undefined {
  const formats = s.tracepoints.map((t) => {
    const [group, event] = t.split(':') as [string, string];
    return { t, format: kernel.tracepointFormat(group, event) };
  });
  const here = formats.filter((f) => f.format);
  if (!here.length) return undefined;
  const fields = Object.fromEntries(
    Object.entries(s.fields ?? {}).filter(([, field]) =>
      here.every((f) => f.format!.fields.some((x) => x.name === field)),
    ),
  );
  return { ...s, tracepoints: here.map((f) => f.t), fields };
}

/** Identifiers whose meaning changes on a tracepoint, so a probe using them is not rewritten. */
const KPROBE_ONLY = new Set(['func', 'kstack', 'reg', 'args', 'kfunc']);

/**
 * The user's probe (the one holding the attach point at `span`) on `s`'s tracepoints: argN and retval
 * become args->field. Undefined when the probe reads a value with no exact counterpart, or shares its
 * block with other attach points.
 */
function rewrite(span: Span, s: StandIn): string | undefined {
  const program = parse(span.file).program;
  const probe: Probe | undefined = program?.probes.find((p) => p.attachPoints.some((a) => a.span.start === span.start));
  if (!probe || probe.attachPoints.length !== 1) return undefined;
  const edits: { start: number; end: number; text: string }[] = [
    { start: span.start, end: span.end, text: s.tracepoints.map((t) => `tracepoint:${t}`).join(', ') },
  ];
  let exact = true;
  const visit = (n: Parameters<Parameters<typeof walk>[1]>[0]) => {
    const name = n.kind === 'ident' ? n.name : n.kind === 'call' ? n.name : undefined;
    if (name === undefined) return;
    if (KPROBE_ONLY.has(name)) exact = false;
    else if (n.kind === 'ident' && /^(arg\d+|retval)$/.test(name)) {
      const field = s.fields?.[name];
      if (field) edits.push({ start: n.span.start, end: n.span.end, text: `args->${field}` });
      else exact = false;
    }
  };
  if (probe.predicate) walk(probe.predicate, visit);
  walk(probe.body, visit);
  if (!exact) return undefined;
  const text = span.file.text;
  if (s.filter) {
    if (probe.predicate) {
      const p = probe.predicate.span;
      edits.push({ start: p.start, end: p.start, text: `(${s.filter}) && (` }, { start: p.end, end: p.end, text: ')' });
    } else edits.push({ start: span.end, end: span.end, text: ` /${s.filter}/` });
  }
  let out = '';
  let at = probe.span.start;
  for (const e of edits.sort((a, b) => a.start - b.start || a.end - b.end)) {
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at, probe.span.end);
}

/** A `scry -l` pattern that lists at least one tracepoint related by name, or undefined. */
function listingPattern(func: string, kernel: Kernel): string | undefined {
  const words = func
    .replace(/^_+/, '')
    .replace(/_noprof$/, '')
    .split('_')
    .filter((w) => w.length > 2);
  const all = kernel.tracepoints().map((t) => `${t.group}:${t.event}`);
  for (let n = Math.min(words.length, 3); n >= 1; n--) {
    for (let i = 0; i + n <= words.length; i++) {
      const pattern = `*${words.slice(i, i + n).join('_')}*`;
      const re = globRegExp(pattern);
      if (all.some((t) => re.test(t))) return `tracepoint:${pattern}`;
    }
  }
  return undefined;
}

type KprobeRef = { readonly func: string; readonly provider: 'kprobe' | 'kretprobe'; readonly span?: Span };

/**
 * Hints for a kprobe that cannot attach: each tracepoint stand-in this kernel has (with the user's probe
 * rewritten for the first when that is exact), else a `scry -l` pattern that lists something.
 */
export function kprobeStandInHints(k: KprobeRef, kernel: Kernel): string[] {
  const hints = kprobeStandIns(k, kernel);
  if (hints.length) return hints;
  const pattern = listingPattern(k.func, kernel);
  return [
    pattern
      ? `look for a tracepoint instead: scry -l '${pattern}'`
      : `no tracepoint is known to see what ${k.func} does; list them all with: scry -l 'tracepoint:*'`,
  ];
}

/** Just the tracepoint stand-ins for the function ([] when none is known or this kernel has none). */
export function kprobeStandIns(k: KprobeRef, kernel: Kernel): string[] {
  const hints: string[] = [];
  const found = standInsFor(k.func, k.provider === 'kretprobe' ? 'exit' : 'entry', kernel)
    .map((s) => present(s, kernel))
    .filter((s): s is StandIn => s !== undefined);
  for (const [i, s] of found.entries()) {
    const probes = s.tracepoints.map((t) => `tracepoint:${t}`).join(', ');
    hints.push(`use ${probes} instead: ${s.tracepoints.length > 1 ? 'they see' : 'it sees'} ${s.sees}`);
    const rewritten = i === 0 && k.span ? rewrite(k.span, s) : undefined;
    if (rewritten)
      hints.push(
        `your probe on ${s.tracepoints.length > 1 ? 'them' : 'it'}: ${rewritten.includes('\n') ? `\n${rewritten}` : rewritten}`,
      );
    else if (i === 0) hints.push(`e.g. scry -e '${probes}${s.filter ? ` /${s.filter}/` : ''} { @[comm] = count(); }'`);
  }
  return hints;
}
