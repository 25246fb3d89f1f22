// scry native layer: raw syscalls only. Every struct layout lives in TypeScript; this file never
// interprets attr bytes beyond writing user-supplied buffer addresses at given offsets.
// Functions return the syscall result or -errno; only argument misuse throws.
#include <napi.h>
#include <uv.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

Napi::Value Fail(Napi::Env env, const char* msg) {
  Napi::TypeError::New(env, msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Number Ret(Napi::Env env, long r) { return Napi::Number::New(env, r < 0 ? -errno : r); }

// Data pointer and byte length of any TypedArray (offset already applied).
bool Bytes(Napi::Env env, Napi::Value v, uint8_t** data, size_t* len) {
  if (!v.IsTypedArray()) return false;
  napi_typedarray_type type;
  size_t count, offset;
  void* p;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, &count, &p, &ab, &offset) != napi_ok) return false;
  *data = static_cast<uint8_t*>(p);
  *len = count * v.As<Napi::TypedArray>().ElementSize();
  return true;
}

// ptrs: [[offset, TypedArray], ...] — store each buffer's address (u64) at attr[offset].
bool FillPtrs(Napi::Env env, Napi::Value ptrs, uint8_t* attr, size_t attrLen) {
  if (ptrs.IsUndefined() || ptrs.IsNull()) return true;
  if (!ptrs.IsArray()) return false;
  Napi::Array arr = ptrs.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value pair = arr.Get(i);
    if (!pair.IsArray()) return false;
    Napi::Value off = pair.As<Napi::Array>().Get(0u);
    uint8_t* buf;
    size_t bufLen;
    if (!off.IsNumber() || !Bytes(env, pair.As<Napi::Array>().Get(1u), &buf, &bufLen)) return false;
    int64_t o = off.As<Napi::Number>().Int64Value();
    if (o < 0 || static_cast<size_t>(o) + 8 > attrLen) return false;
    uint64_t addr = reinterpret_cast<uintptr_t>(buf);
    std::memcpy(attr + o, &addr, 8);
  }
  return true;
}

Napi::Value Bpf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t* attr;
  size_t len;
  if (!info[0].IsNumber() || !Bytes(env, info[1], &attr, &len)) return Fail(env, "bpf(cmd, attr, ptrs?)");
  if (!FillPtrs(env, info[2], attr, len)) return Fail(env, "bpf: bad ptrs (offset out of range?)");
  return Ret(env, syscall(__NR_bpf, info[0].As<Napi::Number>().Int32Value(), attr, len));
}

Napi::Value PerfEventOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t* attr;
  size_t len;
  if (!Bytes(env, info[0], &attr, &len) || len < 8) return Fail(env, "perfEventOpen(attr, pid, cpu, groupFd, flags, ptrs?)");
  for (int i = 1; i <= 4; i++)
    if (!info[i].IsNumber()) return Fail(env, "perfEventOpen: pid, cpu, groupFd, flags must be numbers");
  if (!FillPtrs(env, info[5], attr, len)) return Fail(env, "perfEventOpen: bad ptrs");
  return Ret(env, syscall(__NR_perf_event_open, attr, info[1].As<Napi::Number>().Int32Value(),
                          info[2].As<Napi::Number>().Int32Value(), info[3].As<Napi::Number>().Int32Value(),
                          static_cast<unsigned long>(info[4].As<Napi::Number>().Int64Value())));
}

// arg is either a plain integer (e.g. a prog fd for SET_BPF) or a buffer whose address is passed.
Napi::Value Ioctl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsNumber()) return Fail(env, "ioctl(fd, request, arg)");
  unsigned long arg = 0;
  uint8_t* buf;
  size_t len;
  if (info[2].IsNumber()) arg = static_cast<unsigned long>(info[2].As<Napi::Number>().Int64Value());
  else if (Bytes(env, info[2], &buf, &len)) arg = reinterpret_cast<unsigned long>(buf);
  else if (!info[2].IsUndefined()) return Fail(env, "ioctl: arg must be a number or a TypedArray");
  return Ret(env, ioctl(info[0].As<Napi::Number>().Int32Value(),
                        static_cast<unsigned long>(info[1].As<Napi::Number>().Int64Value()), arg));
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber()) return Fail(info.Env(), "close(fd)");
  return Ret(info.Env(), close(info[0].As<Napi::Number>().Int32Value()));
}

// --- mmap: the ArrayBuffer owns the mapping. Explicit munmap detaches it (so JS cannot touch
// unmapped memory); the GC finalizer unmaps only what was never unmapped explicitly.
struct Mapping {
  void* addr;
  size_t len;
  bool mapped;
};
std::mutex mapMu;                             // finalizers of worker envs may run concurrently
std::unordered_map<void*, Mapping*> mappings;  // live mappings by address

void FinalizeMapping(napi_env, void*, void* hint) {
  Mapping* m = static_cast<Mapping*>(hint);
  {
    std::lock_guard<std::mutex> lock(mapMu);
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
  for (int i = 0; i < 5; i++)
    if (!info[i].IsNumber()) return Fail(env, "mmap(fd, length, prot, flags, offset)");
  size_t len = static_cast<size_t>(info[1].As<Napi::Number>().Int64Value());
  void* p = mmap(nullptr, len, info[2].As<Napi::Number>().Int32Value(), info[3].As<Napi::Number>().Int32Value(),
                 info[0].As<Napi::Number>().Int32Value(), static_cast<off_t>(info[4].As<Napi::Number>().Int64Value()));
  if (p == MAP_FAILED) return Napi::Number::New(env, -errno);
  Mapping* m = new Mapping{p, len, true};
  napi_value ab;
  if (napi_create_external_arraybuffer(env, p, len, FinalizeMapping, m, &ab) != napi_ok) {
    munmap(p, len);
    delete m;
    return Fail(env, "mmap: cannot wrap mapping in an external ArrayBuffer");
  }
  std::lock_guard<std::mutex> lock(mapMu);
  mappings[p] = m;
  return Napi::Value(env, ab);
}

Napi::Value Munmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArrayBuffer()) return Fail(env, "munmap(arrayBuffer)");
  Napi::ArrayBuffer ab = info[0].As<Napi::ArrayBuffer>();
  void* data = ab.Data();
  if (data == nullptr || ab.ByteLength() == 0) return Napi::Number::New(env, 0);  // already detached
  Mapping* m;
  {
    std::lock_guard<std::mutex> lock(mapMu);
    auto it = mappings.find(data);
    if (it == mappings.end()) return Napi::Number::New(env, -EINVAL);  // not one of ours
    m = it->second;
    mappings.erase(it);
    m->mapped = false;
  }
  ab.Detach();
  return Ret(env, munmap(m->addr, m->len));
}

Napi::Value Mount(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsString() || !info[2].IsString() || !info[3].IsNumber())
    return Fail(env, "mount(source, target, fstype, flags, data)");
  std::string src = info[0].As<Napi::String>(), tgt = info[1].As<Napi::String>(), fs = info[2].As<Napi::String>();
  std::string data = info[4].IsString() ? info[4].As<Napi::String>().Utf8Value() : "";
  return Ret(env, mount(src.c_str(), tgt.c_str(), fs.c_str(), static_cast<unsigned long>(info[3].As<Napi::Number>().Int64Value()),
                        info[4].IsString() ? data.c_str() : nullptr));
}

// --- watch: uv_poll_t on an fd, calls back on readability. State lives in a registry keyed by
// id, so the returned {stop, ref, unref} closures are safe after stop and never dangle.
struct Poll {
  uv_poll_t handle;
  napi_env env;
  Napi::FunctionReference cb;
  std::unique_ptr<Napi::AsyncContext> ctx;
};
std::unordered_map<uint64_t, Poll*> polls;  // guarded by mapMu
uint64_t nextPollId = 1;

void OnPoll(uv_poll_t* h, int status, int) {
  Poll* p = static_cast<Poll*>(h->data);
  Napi::Env env(p->env);
  Napi::HandleScope scope(env);
  p->cb.MakeCallback(env.Global(), {Napi::Number::New(env, status < 0 ? status : 0)}, *p->ctx);
  // We are not inside a JS call: route a thrown exception to process 'uncaughtException'.
  if (env.IsExceptionPending()) napi_fatal_exception(env, env.GetAndClearPendingException().Value());
}

Poll* TakePoll(uint64_t id) {
  std::lock_guard<std::mutex> lock(mapMu);
  auto it = polls.find(id);
  if (it == polls.end()) return nullptr;
  Poll* p = it->second;
  polls.erase(it);
  return p;
}

void ClosePoll(Poll* p) {
  p->cb.Reset();  // release JS objects now, while the env is certainly alive
  p->ctx.reset();
  uv_poll_stop(&p->handle);
  uv_close(reinterpret_cast<uv_handle_t*>(&p->handle), [](uv_handle_t* h) { delete static_cast<Poll*>(h->data); });
}

// Env teardown (e.g. a worker exiting) must not leave active handles on its loop.
void CleanupPolls(void* env) {
  std::vector<uint64_t> ids;
  {
    std::lock_guard<std::mutex> lock(mapMu);
    for (auto& [id, p] : polls)
      if (p->env == env) ids.push_back(id);
  }
  for (uint64_t id : ids)
    if (Poll* p = TakePoll(id)) ClosePoll(p);
}

uint64_t PollId(const Napi::CallbackInfo& info) { return reinterpret_cast<uintptr_t>(info.Data()); }

Napi::Value Watch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsFunction()) return Fail(env, "watch(fd, callback)");
  uv_loop_t* loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return Fail(env, "watch: no event loop");
  Poll* p = new Poll();
  p->env = env;
  p->handle.data = p;
  // uv errors are -errno on Linux. A handle that failed to init must not be uv_close'd.
  int r = uv_poll_init(loop, &p->handle, info[0].As<Napi::Number>().Int32Value());
  if (r < 0) {
    delete p;
    return Napi::Number::New(env, r);
  }
  if ((r = uv_poll_start(&p->handle, UV_READABLE, OnPoll)) < 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&p->handle), [](uv_handle_t* h) { delete static_cast<Poll*>(h->data); });
    return Napi::Number::New(env, r);
  }
  p->cb = Napi::Persistent(info[1].As<Napi::Function>());
  p->ctx = std::make_unique<Napi::AsyncContext>(env, "scry.watch");
  uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mapMu);
    id = nextPollId++;
    polls[id] = p;
  }
  void* data = reinterpret_cast<void*>(static_cast<uintptr_t>(id));
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("stop", Napi::Function::New(env, [](const Napi::CallbackInfo& i) {
    if (Poll* q = TakePoll(PollId(i))) ClosePoll(q);
  }, "stop", data));
  auto setRef = [](const Napi::CallbackInfo& i, bool on) {
    std::lock_guard<std::mutex> lock(mapMu);
    auto it = polls.find(PollId(i));
    if (it == polls.end()) return;
    auto* h = reinterpret_cast<uv_handle_t*>(&it->second->handle);
    on ? uv_ref(h) : uv_unref(h);
  };
  handle.Set("ref", Napi::Function::New(env, [setRef](const Napi::CallbackInfo& i) { setRef(i, true); }, "ref", data));
  handle.Set("unref", Napi::Function::New(env, [setRef](const Napi::CallbackInfo& i) { setRef(i, false); }, "unref", data));
  return handle;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("bpf", Napi::Function::New(env, Bpf, "bpf"));
  exports.Set("perfEventOpen", Napi::Function::New(env, PerfEventOpen, "perfEventOpen"));
  exports.Set("ioctl", Napi::Function::New(env, Ioctl, "ioctl"));
  exports.Set("close", Napi::Function::New(env, Close, "close"));
  exports.Set("mmap", Napi::Function::New(env, Mmap, "mmap"));
  exports.Set("munmap", Napi::Function::New(env, Munmap, "munmap"));
  exports.Set("mount", Napi::Function::New(env, Mount, "mount"));
  exports.Set("watch", Napi::Function::New(env, Watch, "watch"));
  napi_add_env_cleanup_hook(env, CleanupPolls, static_cast<napi_env>(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(scry_native, Init)
