import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BPF_FUNC, helperName, type HelperName } from '../../../compiler/asm/index.ts';

// Ids from include/uapi/linux/bpf.h.
const known: [HelperName, number][] = [
  ['map_lookup_elem', 1],
  ['map_update_elem', 2],
  ['map_delete_elem', 3],
  ['probe_read', 4],
  ['ktime_get_ns', 5],
  ['trace_printk', 6],
  ['get_prandom_u32', 7],
  ['get_smp_processor_id', 8],
  ['tail_call', 12],
  ['get_current_pid_tgid', 14],
  ['get_current_uid_gid', 15],
  ['get_current_comm', 16],
  ['perf_event_output', 25],
  ['get_stackid', 27],
  ['get_current_task', 35],
  ['get_numa_node_id', 42],
  ['probe_read_str', 45],
  ['override_return', 58],
  ['get_stack', 67],
  ['get_current_cgroup_id', 80],
  ['send_signal', 109],
  ['probe_read_user', 112],
  ['probe_read_kernel', 113],
  ['probe_read_user_str', 114],
  ['probe_read_kernel_str', 115],
  ['jiffies64', 118],
  ['get_ns_current_pid_tgid', 120],
  ['ktime_get_boot_ns', 125],
  ['ringbuf_output', 130],
  ['ringbuf_reserve', 131],
  ['ringbuf_submit', 132],
  ['ringbuf_discard', 133],
  ['d_path', 147],
  ['snprintf_btf', 149],
  ['get_current_task_btf', 158],
  ['for_each_map_elem', 164],
  ['get_func_ip', 173],
  ['get_attach_cookie', 174],
  ['loop', 181],
  ['strncmp', 182],
  ['map_lookup_percpu_elem', 195],
  ['user_ringbuf_drain', 209],
  ['cgrp_storage_delete', 211],
];

for (const [name, id] of known) {
  test(`${name} is helper ${id} both ways`, () => {
    assert.is(BPF_FUNC[name], id);
    assert.is(helperName(id), name);
  });
}

test('the table is the complete, gapless kernel list 0..211', () => {
  const ids = Object.values(BPF_FUNC);
  assert.is(ids.length, 212);
  assert.equal(
    ids,
    ids.map((_, i) => i),
  );
});

test('ids outside the table have no name', () => {
  assert.is(helperName(212), undefined);
  assert.is(helperName(-1), undefined);
});

test.run();
