/** Linux errno values (include/uapi/asm-generic/errno-base.h, errno.h); ioctls return them negated. */
export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
export const E2BIG = 7;
export const EBADF = 9;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const EINVAL = 22;
export const EMFILE = 24;
export const ENOTTY = 25;
export const ENOSPC = 28;
export const ERANGE = 34;
export const ENOSYS = 38;
export const EOPNOTSUPP = 95;

export const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 7: "E2BIG", 9: "EBADF", 11: "EAGAIN",
  12: "ENOMEM", 13: "EACCES", 14: "EFAULT", 16: "EBUSY", 17: "EEXIST", 19: "ENODEV", 22: "EINVAL", 25: "ENOTTY",
  28: "ENOSPC", 34: "ERANGE", 38: "ENOSYS", 95: "EOPNOTSUPP",
};

/** Messages as strerror(3) prints them. */
export const ERRNO_MESSAGES: Readonly<Record<number, string>> = {
  1: "Operation not permitted", 2: "No such file or directory", 4: "Interrupted system call", 5: "Input/output error",
  7: "Argument list too long", 9: "Bad file descriptor", 11: "Resource temporarily unavailable",
  12: "Cannot allocate memory", 14: "Bad address", 16: "Device or resource busy", 17: "File exists",
  19: "No such device", 22: "Invalid argument", 25: "Inappropriate ioctl for device", 28: "No space left on device",
  34: "Numerical result out of range", 38: "Function not implemented", 95: "Operation not supported",
};
