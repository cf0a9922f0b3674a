//===- HostMemory.cpp - task memory of CPU task libraries -----------------===//
//
// The CPU implementation of TaskMemory.h: the generated code runs in the
// caller's address space, so every argument is passed as it is.
//
//===----------------------------------------------------------------------===//

#include "TaskMemory.h"

using namespace m3sat;

bool task_memory::isSeparate() { return false; }

bool task_memory::open(std::string &) { return true; }

void *task_memory::acquireWeight(const uint8_t *host, size_t, std::string &) {
  return const_cast<uint8_t *>(host);
}

void task_memory::releaseWeight(const uint8_t *) {}

void *task_memory::allocate(size_t, std::string &error) {
  error = "host task code needs no staging buffers";
  return nullptr;
}

void task_memory::release(void *) {}

bool task_memory::copyIn(void *, const void *, size_t, std::string &error) {
  error = "host task code needs no staging";
  return false;
}

bool task_memory::copyOut(void *, const void *, size_t, std::string &error) {
  error = "host task code needs no staging";
  return false;
}

bool task_memory::finish(std::string &) { return true; }
