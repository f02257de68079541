// ThreadPool. Test: tests/python/test_threadpool.cpp
#include <twisted/python/threadpool.h>

#include <stdexcept>

#include <twisted/python/failure.h>
#include <twisted/python/log.h>

namespace twisted::python {

ThreadPool::ThreadPool(int minthreads, int maxthreads, std::string name)
    : name_(std::move(name)), min_(minthreads), max_(maxthreads) {
  if (minthreads < 0) throw std::invalid_argument("minimum is negative");
  if (maxthreads < std::max(1, minthreads))
    throw std::invalid_argument("maximum is less than minimum (or than 1)");
}

ThreadPool::~ThreadPool() {
  stop();
}

void ThreadPool::start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_ || joined_) return;
  started_ = true;
  while (live_ < min_) {
    ++live_;
    threads_.emplace_back([this] { workerMain(); });
  }
  spawnIfNeededLocked();
}

void ThreadPool::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (joined_) return;
    joined_ = true;
    started_ = false;
    threads.swap(threads_);
  }
  workAvailable_.notify_all();
  for (std::thread& t : threads)
    t.join();
}

void ThreadPool::submit(detail::UniqueFunction f) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (joined_) throw std::logic_error("ThreadPool " + name_ + " is stopped");
    queue_.push_back(std::move(f));
    if (started_) spawnIfNeededLocked();
  }
  workAvailable_.notify_one();
}

// Start a worker when work is waiting and every live worker is busy.
void ThreadPool::spawnIfNeededLocked() {
  while (live_ < max_ && static_cast<std::size_t>(idle_) < queue_.size()) {
    ++live_;
    ++idle_;  // counts as idle until it picks something up
    threads_.emplace_back([this] {
      {
        std::lock_guard<std::mutex> lock(mu_);
        --idle_;
      }
      workerMain();
    });
  }
}

void ThreadPool::workerMain() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    ++idle_;
    workAvailable_.wait(lock, [this] { return !queue_.empty() || joined_ || excess_ > 0; });
    --idle_;
    if (queue_.empty()) {
      if (excess_ > 0 && !joined_) {
        --excess_;
        break;
      }
      if (joined_) break;
      continue;
    }
    detail::UniqueFunction f = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    try {
      f();
    } catch (...) {
      log::err(Failure(std::current_exception()), "Unhandled error in a thread pool call");
    }
    f.reset();  // destroy captures outside the lock too
    lock.lock();
  }
  --live_;
}

void ThreadPool::adjustPoolsize(int minthreads, int maxthreads) {
  if (minthreads < 0) throw std::invalid_argument("minimum is negative");
  if (maxthreads < std::max(1, minthreads))
    throw std::invalid_argument("maximum is less than minimum (or than 1)");
  {
    std::lock_guard<std::mutex> lock(mu_);
    min_ = minthreads;
    max_ = maxthreads;
    if (live_ > max_) excess_ = live_ - max_;
    if (started_) {
      while (live_ < min_) {
        ++live_;
        threads_.emplace_back([this] { workerMain(); });
      }
      spawnIfNeededLocked();
    }
  }
  workAvailable_.notify_all();
}

int ThreadPool::min() const {
  std::lock_guard<std::mutex> lock(mu_);
  return min_;
}
int ThreadPool::max() const {
  std::lock_guard<std::mutex> lock(mu_);
  return max_;
}
bool ThreadPool::started() const {
  std::lock_guard<std::mutex> lock(mu_);
  return started_;
}
std::size_t ThreadPool::threadCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<std::size_t>(live_);
}
std::size_t ThreadPool::pendingCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

}  // namespace twisted::python
