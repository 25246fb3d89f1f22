// scry native layer: raw syscalls only. Every struct layout lives in TypeScript; this file never
// interprets attr bytes beyond writing user-supplied buffer addresses at given offsets.
// Functions return the syscall result or -errno; only argument misuse throws (TypeError).
#include <napi.h>
#include <uv.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <unordered_map>
#include <vector>

#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace {

Napi::Value Fail(Napi::Env env, const char* msg) {
  Napi::TypeError::New(env, msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

// Must be called right after the syscall, before anything can clobber errno.
Napi::Number Ret(Napi::Env env, long r) { return Napi::Number::New(env, r < 0 ? -errno : r); }

int64_t Int(const Napi::Value& v) { return v.As<Napi::Number>().Int64Value(); }

bool Nums(const Napi::CallbackInfo& info, size_t from, size_t to) {
  for (size_t i = from; i <= to; i++)
    if (!info[i].IsNumber()) return false;
  return true;
}

// Data pointer (offset applied) and byte length of any TypedArray.
bool Bytes(Napi::Value v, uint8_t** data, size_t* len) {
  if (!v.IsTypedArray()) return false;
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  *data = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  *len = ta.ByteLength();
  return true;
}

// ptrs: [[offset, TypedArray, into?], ...] — store each buffer's address (u64) at attr[offset], or at
// into[offset] when a third TypedArray is given (a pointer inside a struct attr points to, e.g. bpf_btf_info.name).
bool FillPtrs(Napi::Value ptrs, uint8_t* attr, size_t attrLen) {
  if (ptrs.IsUndefined() || ptrs.IsNull()) return true;
  if (!ptrs.IsArray()) return false;
  Napi::Array arr = ptrs.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value pair = arr.Get(i);
    if (!pair.IsArray()) return false;
    Napi::Value off = pair.As<Napi::Array>().Get(0u);
    uint8_t* buf;
    size_t bufLen;
    if (!off.IsNumber() || !Bytes(pair.As<Napi::Array>().Get(1u), &buf, &bufLen)) return false;
    uint8_t* target = attr;
    size_t targetLen = attrLen;
    if (pair.As<Napi::Array>().Length() > 2 && !Bytes(pair.As<Napi::Array>().Get(2u), &target, &targetLen)) return false;
    int64_t o = Int(off);
    if (o < 0 || static_cast<size_t>(o) + 8 > targetLen) return false;
    uint64_t addr = reinterpret_cast<uintptr_t>(buf);
    std::memcpy(target + o, &addr, 8);
  }
  return true;
}

// The kernel reads and writes attr in place (test_run retval, batch count, log_true_size, …).
Napi::Value Bpf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t* attr;
  size_t len;
  if (!info[0].IsNumber() || !Bytes(info[1], &attr, &len)) return Fail(env, "bpf(cmd, attr, ptrs?)");
  if (!FillPtrs(info[2], attr, len)) return Fail(env, "bpf: bad ptrs (offset out of range?)");
  return Ret(env, syscall(__NR_bpf, static_cast<int>(Int(info[0])), attr, len));
}

Napi::Value PerfEventOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t* attr;
  size_t len;
  if (!Bytes(info[0], &attr, &len) || len < 8 || !Nums(info, 1, 4))
    return Fail(env, "perfEventOpen(attr, pid, cpu, groupFd, flags, ptrs?)");
  if (!FillPtrs(info[5], attr, len)) return Fail(env, "perfEventOpen: bad ptrs");
  return Ret(env, syscall(__NR_perf_event_open, attr, static_cast<int>(Int(info[1])), static_cast<int>(Int(info[2])),
                          static_cast<int>(Int(info[3])), static_cast<unsigned long>(Int(info[4]))));
}

// arg is either a plain integer (e.g. a prog fd for SET_BPF) or a buffer whose address is passed.
Napi::Value Ioctl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  unsigned long arg = 0;
  uint8_t* buf;
  size_t len;
  if (!Nums(info, 0, 1)) return Fail(env, "ioctl(fd, request, arg)");
  if (info[2].IsNumber()) arg = static_cast<unsigned long>(Int(info[2]));
  else if (Bytes(info[2], &buf, &len)) arg = reinterpret_cast<unsigned long>(buf);
  else if (!info[2].IsUndefined()) return Fail(env, "ioctl: arg must be a number or a TypedArray");
  return Ret(env, ioctl(static_cast<int>(Int(info[0])), static_cast<unsigned long>(Int(info[1])), arg));
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  if (!Nums(info, 0, 0)) return Fail(info.Env(), "close(fd)");
  return Ret(info.Env(), close(static_cast<int>(Int(info[0]))));
}

// membarrier(cmd, flags): MEMBARRIER_CMD_GLOBAL is how user space waits for an RCU grace period.
Napi::Value Membarrier(const Napi::CallbackInfo& info) {
  if (!Nums(info, 0, 1)) return Fail(info.Env(), "membarrier(cmd, flags)");
  return Ret(info.Env(), syscall(SYS_membarrier, static_cast<int>(Int(info[0])), static_cast<unsigned>(Int(info[1])), 0));
}

// clockNs(clockid): clock_gettime(2) in nanoseconds as a BigInt, or -errno. CLOCK_BOOTTIME is the clock of a
// program's `nsecs` (bpf_ktime_get_boot_ns), which Node has no call for.
Napi::Value ClockNs(const Napi::CallbackInfo& info) {
  if (!Nums(info, 0, 0)) return Fail(info.Env(), "clockNs(clockid)");
  struct timespec ts;
  if (clock_gettime(static_cast<clockid_t>(Int(info[0])), &ts) < 0) return Napi::Number::New(info.Env(), -errno);
  return Napi::BigInt::New(info.Env(), static_cast<int64_t>(ts.tv_sec * 1000000000LL + ts.tv_nsec));
}

// exitNow(code): _exit(2), past Node's teardown of a process that has finished (see repl/entry.ts).
Napi::Value ExitNow(const Napi::CallbackInfo& info) {
  if (!Nums(info, 0, 0)) return Fail(info.Env(), "exitNow(code)");
  _exit(static_cast<int>(Int(info[0])));
}

// read(fd, buffer): reading a BPF iterator's fd is what runs the iterator program.
Napi::Value Read(const Napi::CallbackInfo& info) {
  uint8_t* data = nullptr;
  size_t len = 0;
  if (info.Length() < 2 || !info[0].IsNumber() || !Bytes(info[1], &data, &len)) return Fail(info.Env(), "read(fd, buffer)");
  return Ret(info.Env(), read(static_cast<int>(Int(info[0])), data, len));
}

Napi::Value Write(const Napi::CallbackInfo& info) {
  uint8_t* data = nullptr;
  size_t len = 0;
  if (info.Length() < 2 || !info[0].IsNumber() || !Bytes(info[1], &data, &len)) return Fail(info.Env(), "write(fd, buffer)");
  return Ret(info.Env(), write(static_cast<int>(Int(info[0])), data, len));
}

// fcntl(fd, cmd, arg) with an integer argument (F_GETFL/F_SETFL: how an inherited descriptor was left).
Napi::Value Fcntl(const Napi::CallbackInfo& info) {
  if (!Nums(info, 0, 2)) return Fail(info.Env(), "fcntl(fd, cmd, arg)");
  return Ret(info.Env(), fcntl(static_cast<int>(Int(info[0])), static_cast<int>(Int(info[1])), static_cast<long>(Int(info[2]))));
}

// poll(2) on one fd: its revents, 0 on timeout, or -errno. (uv_poll would set O_NONBLOCK on the fd: for
// descriptors scry was given, whose flags other processes share, this asks without changing anything.)
Napi::Value Poll1(const Napi::CallbackInfo& info) {
  if (!Nums(info, 0, 2)) return Fail(info.Env(), "poll(fd, events, timeoutMs)");
  struct pollfd p = {static_cast<int>(Int(info[0])), static_cast<short>(Int(info[1])), 0};
  int r = poll(&p, 1, static_cast<int>(Int(info[2])));
  if (r < 0) return Napi::Number::New(info.Env(), -errno);
  return Napi::Number::New(info.Env(), r == 0 ? 0 : p.revents);
}

Napi::Value PidfdOpen(const Napi::CallbackInfo& info) {
  if (!Nums(info, 0, 0)) return Fail(info.Env(), "pidfdOpen(pid)");
  return Ret(info.Env(), syscall(SYS_pidfd_open, static_cast<pid_t>(Int(info[0])), 0));
}

// waitpid(pid, options, status: Int32Array(1)): the pid reaped (0 with WNOHANG if none), status in status[0].
Napi::Value Waitpid(const Napi::CallbackInfo& info) {
  uint8_t* data = nullptr;
  size_t len = 0;
  if (!Nums(info, 0, 1) || !Bytes(info[2], &data, &len) || len < sizeof(int)) return Fail(info.Env(), "waitpid(pid, options, status)");
  int status = 0;
  long r = waitpid(static_cast<pid_t>(Int(info[0])), &status, static_cast<int>(Int(info[1])));
  int err = errno;
  std::memcpy(data, &status, sizeof(int));
  errno = err;
  return Ret(info.Env(), r);
}

// --- spawnHeld: fork a child that waits for one 8-byte eventfd read, then execve()s the command, so the
// command starts with exactly the descriptors this process was given (both fds are close-on-exec) and does
// nothing of ours after it is released. Everything the child touches is prepared before fork(): between fork
// and execve it calls only async-signal-safe functions.
Napi::Value SpawnHeld(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsArray() || !info[2].IsArray() || !info[3].IsArray())
    return Fail(env, "spawnHeld(path, argv, envp, inheritedFds)");
  auto strings = [](Napi::Array a) {
    std::vector<std::string> v;
    for (uint32_t i = 0; i < a.Length(); i++) v.push_back(a.Get(i).ToString().Utf8Value());
    return v;
  };
  std::string path = info[0].As<Napi::String>();
  std::vector<std::string> argvS = strings(info[1].As<Napi::Array>()), envS = strings(info[2].As<Napi::Array>());
  std::vector<char*> argv, envp;
  for (auto& s : argvS) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : envS) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<int> keep;
  Napi::Array keepA = info[3].As<Napi::Array>();
  for (uint32_t i = 0; i < keepA.Length(); i++) keep.push_back(static_cast<int>(keepA.Get(i).As<Napi::Number>().Int32Value()));

  int gate = eventfd(0, EFD_CLOEXEC);
  if (gate < 0) return Napi::Number::New(env, -errno);
  int result[2];
  if (pipe2(result, O_CLOEXEC) < 0) {
    int err = errno;
    close(gate);
    return Napi::Number::New(env, -err);
  }
  // The child's own syscalls before it waits at the gate (signal resets, fcntl, prctl, getppid) must be over
  // before scry attaches probes, or a -c command traced for them (getppid, fcntl…) shows one call too many:
  // the child says so on `ready` (close-on-exec, so no close(2) of it follows) and the parent waits for that.
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) < 0) {
    int err = errno;
    close(gate), close(result[0]), close(result[1]);
    return Napi::Number::New(env, -err);
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(gate), close(result[0]), close(result[1]), close(ready[0]), close(ready[1]);
    return Napi::Number::New(env, -err);
  }
  if (pid == 0) {
    // Node ignores SIGPIPE and libuv may hold handlers and a mask: the command gets the defaults.
    struct sigaction dfl = {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    // Node marks stdio and other descriptors it was given close-on-exec; the command gets them as scry got them.
    for (int fd = 0; fd <= 2; fd++) fcntl(fd, F_SETFD, 0);
    for (int fd : keep) fcntl(fd, F_SETFD, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // scry killed outright: the held command does not linger
    if (getppid() != parent) _exit(127);
    char one = 1;
    if (write(ready[1], &one, 1) != 1) _exit(127);
    uint64_t go;
    if (read(gate, &go, sizeof go) != sizeof go) _exit(127);
    execve(path.c_str(), argv.data(), envp.data());
    int err = errno;  // the parent reads it from the result pipe; on success execve closed that pipe
    ssize_t ignored = write(result[1], &err, sizeof err);
    (void)ignored;
    _exit(127);
  }
  close(result[1]);
  close(ready[1]);
  char seen;
  ssize_t n;
  do n = read(ready[0], &seen, 1);
  while (n < 0 && errno == EINTR);  // 0: the child exited first (its parent check); its exit is reported later
  close(ready[0]);
  Napi::Array out = Napi::Array::New(env, 3);
  out.Set(0u, Napi::Number::New(env, pid));
  out.Set(1u, Napi::Number::New(env, gate));
  out.Set(2u, Napi::Number::New(env, result[0]));
  return out;
}

// --- mmap: the ArrayBuffer owns the mapping. Explicit munmap detaches it (so JS cannot touch
// unmapped memory); the GC finalizer unmaps only what was never unmapped explicitly.
struct Mapping {
  void* addr;
  size_t len;
  bool mapped;
};
std::mutex mu;                                 // finalizers of worker envs may run concurrently
std::unordered_map<void*, Mapping*> mappings;  // live mappings by address

void FinalizeMapping(napi_env, void*, void* hint) {
  Mapping* m = static_cast<Mapping*>(hint);
  {
    std::lock_guard<std::mutex> lock(mu);
    if (m->mapped) {
      munmap(m->addr, m->len);
      auto it = mappings.find(m->addr);
      if (it != mappings.end() && it->second == m) mappings.erase(it);
    }
  }
  delete m;
}

Napi::Value Mmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Nums(info, 0, 4)) return Fail(env, "mmap(fd, length, prot, flags, offset)");
  size_t len = static_cast<size_t>(Int(info[1]));
  void* p = mmap(nullptr, len, static_cast<int>(Int(info[2])), static_cast<int>(Int(info[3])),
                 static_cast<int>(Int(info[0])), static_cast<off_t>(Int(info[4])));
  if (p == MAP_FAILED) return Napi::Number::New(env, -errno);
  Mapping* m = new Mapping{p, len, true};
  napi_value ab;
  if (napi_create_external_arraybuffer(env, p, len, FinalizeMapping, m, &ab) != napi_ok) {
    munmap(p, len);
    delete m;
    return Fail(env, "mmap: cannot wrap mapping in an external ArrayBuffer");
  }
  std::lock_guard<std::mutex> lock(mu);
  mappings[p] = m;
  return Napi::Value(env, ab);
}

// Node 20 has this (declared only under NAPI_EXPERIMENTAL in its headers); weak, so that the addon still loads
// on a Node without it, where mapLatin1 copies instead.
extern "C" napi_status __attribute__((weak)) node_api_create_external_string_latin1(
    napi_env env, char* str, size_t length, napi_finalize finalize, void* hint, napi_value* result, bool* copied);

void FinalizeLatin1(napi_env, void* data, void* hint) { munmap(data, reinterpret_cast<uintptr_t>(hint)); }

// mapLatin1(fd, length): the file's first `length` bytes as a string over a read-only mapping of the file, not a
// copy. For the launcher's 1.2 MB bundle: reading it into a buffer and then into the heap touches two sets of
// fresh pages, and a page fault costs ~11 us on these VMs; the page cache's pages are already there.
Napi::Value MapLatin1(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Nums(info, 0, 1)) return Fail(env, "mapLatin1(fd, length)");
  size_t len = static_cast<size_t>(Int(info[1]));
  void* p = mmap(nullptr, len, PROT_READ, MAP_PRIVATE, static_cast<int>(Int(info[0])), 0);
  if (p == MAP_FAILED) return Napi::Number::New(env, -errno);
  napi_value s;
  bool copied = false;
  if (node_api_create_external_string_latin1 != nullptr &&
      node_api_create_external_string_latin1(env, static_cast<char*>(p), len, FinalizeLatin1,
                                             reinterpret_cast<void*>(static_cast<uintptr_t>(len)), &s,
                                             &copied) == napi_ok)
    return Napi::Value(env, s);  // copied: V8 made its own string and has already called FinalizeLatin1
  napi_status st = napi_create_string_latin1(env, static_cast<const char*>(p), len, &s);
  munmap(p, len);
  if (st != napi_ok) return Fail(env, "mapLatin1: cannot make the string");
  return Napi::Value(env, s);
}

Napi::Value Munmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArrayBuffer()) return Fail(env, "munmap(arrayBuffer)");
  Napi::ArrayBuffer ab = info[0].As<Napi::ArrayBuffer>();
  if (ab.Data() == nullptr || ab.ByteLength() == 0) return Napi::Number::New(env, 0);  // already detached
  Mapping* m;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = mappings.find(ab.Data());
    if (it == mappings.end()) return Napi::Number::New(env, -EINVAL);  // not one of ours
    m = it->second;
    mappings.erase(it);
    m->mapped = false;  // the finalizer only frees m now
  }
  ab.Detach();
  return Ret(env, munmap(m->addr, m->len));
}

Napi::Value Mount(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsString() || !info[2].IsString() || !info[3].IsNumber())
    return Fail(env, "mount(source, target, fstype, flags, data)");
  std::string src = info[0].As<Napi::String>(), tgt = info[1].As<Napi::String>(), fs = info[2].As<Napi::String>();
  bool hasData = info[4].IsString();
  std::string data = hasData ? info[4].As<Napi::String>().Utf8Value() : "";
  return Ret(env, mount(src.c_str(), tgt.c_str(), fs.c_str(), static_cast<unsigned long>(Int(info[3])),
                        hasData ? data.c_str() : nullptr));
}

// The new mount API (Linux 5.2): fsopen(fsname, flags), fsconfig(fd, cmd) for the commands that take no key or
// value (FSCONFIG_CMD_CREATE), fsmount(fd, flags, attrFlags): a filesystem mounted nowhere, reached by its fd.
Napi::Value Fsopen(const Napi::CallbackInfo& info) {
  if (!info[0].IsString() || !Nums(info, 1, 1)) return Fail(info.Env(), "fsopen(fsname, flags)");
  std::string name = info[0].As<Napi::String>();
  return Ret(info.Env(), syscall(__NR_fsopen, name.c_str(), static_cast<unsigned>(Int(info[1]))));
}

Napi::Value Fsconfig(const Napi::CallbackInfo& info) {
  if (!Nums(info, 0, 1)) return Fail(info.Env(), "fsconfig(fd, cmd)");
  return Ret(info.Env(), syscall(__NR_fsconfig, static_cast<int>(Int(info[0])), static_cast<unsigned>(Int(info[1])),
                                 nullptr, nullptr, 0));
}

Napi::Value Fsmount(const Napi::CallbackInfo& info) {
  if (!Nums(info, 0, 2)) return Fail(info.Env(), "fsmount(fd, flags, attrFlags)");
  return Ret(info.Env(), syscall(__NR_fsmount, static_cast<int>(Int(info[0])), static_cast<unsigned>(Int(info[1])),
                                 static_cast<unsigned>(Int(info[2]))));
}

// --- watch: uv_poll_t on an fd, calls back on readability. State lives in a registry keyed by
// id, so the returned {stop, ref, unref} closures are safe after stop and never dangle.
struct Poll {
  uv_poll_t handle;
  napi_env env;
  Napi::FunctionReference cb;
  std::unique_ptr<Napi::AsyncContext> ctx;
  bool inCallback = false, closed = false;
};
std::unordered_map<uint64_t, Poll*> polls;  // guarded by mu
uint64_t nextPollId = 1;

void FreeHandle(uv_handle_t* h) { delete static_cast<Poll*>(h->data); }

// Drops the JS callback and async context; deferred while the callback itself is running.
void ReleaseJs(Poll* p) {
  p->cb.Reset();
  p->ctx.reset();
}

void OnPoll(uv_poll_t* h, int status, int) {
  Poll* p = static_cast<Poll*>(h->data);
  Napi::Env env(p->env);
  Napi::HandleScope scope(env);
  p->inCallback = true;
  p->cb.MakeCallback(env.Global(), {Napi::Number::New(env, status < 0 ? status : 0)}, *p->ctx);
  p->inCallback = false;
  if (p->closed) ReleaseJs(p);  // stop() was called from the callback
  // We are not inside a JS call: route a thrown exception to process 'uncaughtException'.
  if (env.IsExceptionPending()) napi_fatal_exception(env, env.GetAndClearPendingException().Value());
}

void StopPoll(uint64_t id) {
  Poll* p;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = polls.find(id);
    if (it == polls.end()) return;  // already stopped
    p = it->second;
    polls.erase(it);
  }
  p->closed = true;
  if (!p->inCallback) ReleaseJs(p);  // now, while the env is certainly alive
  uv_poll_stop(&p->handle);
  uv_close(reinterpret_cast<uv_handle_t*>(&p->handle), FreeHandle);
}

// Env teardown (e.g. a worker exiting) must not leave active handles on its loop.
void CleanupPolls(void* env) {
  std::vector<uint64_t> ids;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (auto& [id, p] : polls)
      if (p->env == env) ids.push_back(id);
  }
  for (uint64_t id : ids) StopPoll(id);
}

uint64_t PollId(const Napi::CallbackInfo& info) { return reinterpret_cast<uintptr_t>(info.Data()); }

void SetRef(const Napi::CallbackInfo& info, bool on) {
  std::lock_guard<std::mutex> lock(mu);
  auto it = polls.find(PollId(info));
  if (it == polls.end()) return;
  auto* h = reinterpret_cast<uv_handle_t*>(&it->second->handle);
  on ? uv_ref(h) : uv_unref(h);
}

Napi::Value Watch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uv_loop_t* loop;
  if (!info[0].IsNumber() || !info[1].IsFunction()) return Fail(env, "watch(fd, callback)");
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return Fail(env, "watch: no event loop");
  Poll* p = new Poll();
  p->env = env;
  p->handle.data = p;
  // uv errors are -errno on Linux. A handle that failed to init must not be uv_close'd.
  int r = uv_poll_init(loop, &p->handle, static_cast<int>(Int(info[0])));
  if (r < 0) {
    delete p;
    return Napi::Number::New(env, r);
  }
  if ((r = uv_poll_start(&p->handle, UV_READABLE, OnPoll)) < 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&p->handle), FreeHandle);
    return Napi::Number::New(env, r);
  }
  p->cb = Napi::Persistent(info[1].As<Napi::Function>());
  p->ctx = std::make_unique<Napi::AsyncContext>(env, "scry.watch");
  uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mu);
    polls[id = nextPollId++] = p;
  }
  void* data = reinterpret_cast<void*>(static_cast<uintptr_t>(id));
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("stop", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { StopPoll(PollId(i)); }, "stop", data));
  handle.Set("ref", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { SetRef(i, true); }, "ref", data));
  handle.Set("unref", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { SetRef(i, false); }, "unref", data));
  return handle;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  const std::pair<const char*, Napi::Value (*)(const Napi::CallbackInfo&)> fns[] = {
      {"bpf", Bpf}, {"perfEventOpen", PerfEventOpen}, {"ioctl", Ioctl}, {"close", Close}, {"exitNow", ExitNow},
      {"mmap", Mmap}, {"munmap", Munmap}, {"mapLatin1", MapLatin1}, {"mount", Mount}, {"watch", Watch}, {"read", Read},
      {"write", Write}, {"fcntl", Fcntl}, {"pidfdOpen", PidfdOpen}, {"poll", Poll1}, {"waitpid", Waitpid}, {"spawnHeld", SpawnHeld},
      {"membarrier", Membarrier}, {"fsopen", Fsopen}, {"fsconfig", Fsconfig}, {"fsmount", Fsmount}, {"clockNs", ClockNs}};
  for (auto& [name, fn] : fns) exports.Set(name, Napi::Function::New(env, fn, name));
  // a constant: ring buffers are mapped in pages (JavaScript would read /proc/self/auxv for it)
  exports.Set("pageSize", Napi::Number::New(env, static_cast<double>(sysconf(_SC_PAGESIZE))));
  napi_add_env_cleanup_hook(env, CleanupPolls, static_cast<napi_env>(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(scry_native, Init)
