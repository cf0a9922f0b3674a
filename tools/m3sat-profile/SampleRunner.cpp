//===- SampleRunner.cpp - samples of one task, side by side ---------------===//

#include "SampleRunner.h"

#include "llvm/Support/Threading.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

using namespace m3sat;

unsigned m3sat::workerCount(unsigned jobs, int64_t samples) {
  if (jobs == 0)
    jobs = llvm::hardware_concurrency().compute_thread_count();
  return static_cast<unsigned>(
      std::max<int64_t>(1, std::min<int64_t>(jobs, samples)));
}

std::string
m3sat::openWorkers(const std::string &outDir, const std::string &task,
                   unsigned count,
                   std::vector<std::unique_ptr<LoadedTask>> &workers) {
  std::string error;
  while (workers.size() < count) {
    workers.push_back(LoadedTask::open(outDir, task, error));
    if (!workers.back())
      return error;
  }
  return "";
}

std::string m3sat::runSamples(
    std::vector<std::unique_ptr<LoadedTask>> &workers, int64_t count,
    llvm::function_ref<bool(LoadedTask &, int64_t, std::string &)> work,
    llvm::function_ref<bool(int64_t, std::string &)> done) {
  std::string error;
  if (workers.size() <= 1) {
    for (int64_t s = 0; s < count; ++s) {
      if (!work(*workers.front(), s, error) || !done(s, error))
        return error.empty() ? "failed" : error;
    }
    return "";
  }

  // Workers take the next sample while it is within `window` of the one
  // `done` waits for, so that finished results do not pile up.
  const int64_t window = 4 * static_cast<int64_t>(workers.size());
  std::mutex mutex;
  std::condition_variable changed;
  int64_t next = 0, consumed = 0;
  bool stop = false;
  std::vector<char> ready(count, 0);
  std::vector<std::string> errors(count);
  auto loop = [&](LoadedTask &task) {
    task.limitThreads(1);
    for (;;) {
      int64_t sample;
      {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait(lock, [&] {
          return stop || next >= count || next < consumed + window;
        });
        if (stop || next >= count)
          return;
        sample = next++;
      }
      std::string message;
      bool ok = work(task, sample, message);
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (!ok)
          errors[sample] = message.empty() ? "failed" : message;
        ready[sample] = 1;
      }
      changed.notify_all();
      if (!ok)
        return;
    }
  };
  std::vector<std::thread> threads;
  for (std::unique_ptr<LoadedTask> &task : workers)
    threads.emplace_back(loop, std::ref(*task));
  while (consumed < count) {
    {
      std::unique_lock<std::mutex> lock(mutex);
      changed.wait(lock, [&] { return ready[consumed] != 0; });
      if (!errors[consumed].empty()) {
        error = errors[consumed];
        stop = true;
      }
    }
    if (!error.empty())
      break;
    if (!done(consumed, error)) {
      if (error.empty())
        error = "failed";
      std::lock_guard<std::mutex> lock(mutex);
      stop = true;
      break;
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      ++consumed;
    }
    changed.notify_all();
  }
  changed.notify_all();
  for (std::thread &thread : threads)
    thread.join();
  return error;
}
