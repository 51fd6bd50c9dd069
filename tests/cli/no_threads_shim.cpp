// Test helper (LD_PRELOAD): every pthread_create fails with EAGAIN, as it does for a process at
// its thread limit or out of memory for stacks. test_no_threads.py runs yarrow under it.
#include <pthread.h>

#include <cerrno>

extern "C" int pthread_create(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*) {
  return EAGAIN;
}
