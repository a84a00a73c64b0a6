/*
 * @virtkit/kvm-native: the host's real /dev/kvm for JavaScript (Node-API). Thin system-call wrappers only:
 * open, close, ioctl with a value or with a struct passed as a byte buffer (copied to a stable native
 * buffer for the call and back afterwards), and mmap of a vCPU fd or of anonymous shared memory returned as
 * an external ArrayBuffer over the mapping. Errors come back as negative errno, as from the kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <node_api.h>

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, #call " failed"); return NULL; } } while (0)

static napi_value make_int(napi_env env, int64_t v) {
  napi_value r;
  napi_create_int64(env, v, &r);
  return r;
}

/* open(path, O_RDWR | O_CLOEXEC) -> fd or -errno */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char path[256];
  size_t len;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len));
  int fd = open(path, O_RDWR | O_CLOEXEC);
  return make_int(env, fd < 0 ? -errno : fd);
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  return make_int(env, close(fd) < 0 ? -errno : 0);
}

/* ioctl(fd, request, arg): arg is a number (the value) or a Uint8Array (the struct, in and out). */
static napi_value js_ioctl(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd;
  uint32_t req;
  bool is_typed = false;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_value_uint32(env, argv[1], &req));
  if (argc < 3) return make_int(env, ioctl(fd, req, 0) < 0 ? -errno : 0);
  CHECK(napi_is_typedarray(env, argv[2], &is_typed));
  if (!is_typed) {
    double v;
    CHECK(napi_get_value_double(env, argv[2], &v));
    long r = ioctl(fd, req, (unsigned long)(uint64_t)v);
    return make_int(env, r < 0 ? -errno : r);
  }
  napi_typedarray_type type;
  size_t length, offset;
  void *data;
  napi_value ab;
  CHECK(napi_get_typedarray_info(env, argv[2], &type, &length, &data, &ab, &offset));
  /* A private aligned copy: the kernel may read past the header (flexible arrays) only as far as the buffer goes. */
  void *buf = aligned_alloc(64, (length + 63) & ~(size_t)63);
  if (!buf) return make_int(env, -ENOMEM);
  memcpy(buf, data, length);
  long r = ioctl(fd, req, buf);
  int e = errno;
  memcpy(data, buf, length);
  free(buf);
  return make_int(env, r < 0 ? -e : r);
}

static void unmap_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  munmap(data, (size_t)(uintptr_t)hint);
}

/* mmap(length, fd, offset): fd -1 maps anonymous shared memory. Returns { addr, buffer } or -errno. */
static napi_value js_mmap(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  double length_d, offset_d;
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_double(env, argv[0], &length_d));
  CHECK(napi_get_value_int32(env, argv[1], &fd));
  CHECK(napi_get_value_double(env, argv[2], &offset_d));
  size_t length = (size_t)length_d;
  int flags = MAP_SHARED | (fd < 0 ? MAP_ANONYMOUS : 0);
  void *p = mmap(NULL, length, PROT_READ | PROT_WRITE, flags, fd, (off_t)offset_d);
  if (p == MAP_FAILED) return make_int(env, -errno);
  napi_value buffer, obj, addr;
  CHECK(napi_create_external_arraybuffer(env, p, length, unmap_finalize, (void *)(uintptr_t)length, &buffer));
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_create_double(env, (double)(uintptr_t)p, &addr));
  CHECK(napi_set_named_property(env, obj, "addr", addr));
  CHECK(napi_set_named_property(env, obj, "buffer", buffer));
  return obj;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL },
    { "ioctl", NULL, js_ioctl, NULL, NULL, NULL, napi_default, NULL },
    { "mmap", NULL, js_mmap, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
