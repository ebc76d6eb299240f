// Copyright (c) o3lsm authors. Licensed under the Apache License 2.0.
//
// Clang thread-safety annotations (-Wthread-safety). They document which
// mutex guards which state; under g++ they compile to nothing.

#ifndef O3LSM_UTIL_THREAD_ANNOTATIONS_H_
#define O3LSM_UTIL_THREAD_ANNOTATIONS_H_

#if defined(__clang__)
#define O3LSM_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define O3LSM_THREAD_ANNOTATION(x)
#endif

#define GUARDED_BY(x) O3LSM_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) O3LSM_THREAD_ANNOTATION(pt_guarded_by(x))
#define ACQUIRED_AFTER(...) O3LSM_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define ACQUIRED_BEFORE(...) \
  O3LSM_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define EXCLUSIVE_LOCKS_REQUIRED(...) \
  O3LSM_THREAD_ANNOTATION(exclusive_locks_required(__VA_ARGS__))
#define LOCKS_EXCLUDED(...) O3LSM_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define LOCK_RETURNED(x) O3LSM_THREAD_ANNOTATION(lock_returned(x))
#define CAPABILITY(x) O3LSM_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY O3LSM_THREAD_ANNOTATION(scoped_lockable)
#define EXCLUSIVE_LOCK_FUNCTION(...) \
  O3LSM_THREAD_ANNOTATION(exclusive_lock_function(__VA_ARGS__))
#define UNLOCK_FUNCTION(...) \
  O3LSM_THREAD_ANNOTATION(unlock_function(__VA_ARGS__))
#define ASSERT_EXCLUSIVE_LOCK(...) \
  O3LSM_THREAD_ANNOTATION(assert_exclusive_lock(__VA_ARGS__))
#define NO_THREAD_SAFETY_ANALYSIS \
  O3LSM_THREAD_ANNOTATION(no_thread_safety_analysis)

#endif  // O3LSM_UTIL_THREAD_ANNOTATIONS_H_
