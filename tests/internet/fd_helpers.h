// Pipe-backed descriptors for reactor tests.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include <twisted/internet/interfaces.h>

namespace twisted::testing_internal {

using internet::DescriptorResult;
using python::Failure;

/// A non-blocking pipe; closes what it still owns.
struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
    r = fds[0];
    w = fds[1];
  }
  ~Pipe() {
    closeRead();
    closeWrite();
  }
  void closeRead() {
    if (r >= 0) ::close(r);
    r = -1;
  }
  void closeWrite() {
    if (w >= 0) ::close(w);
    w = -1;
  }
  void send(const std::string& s) const {
    if (::write(w, s.data(), s.size()) != static_cast<ssize_t>(s.size()))
      throw std::runtime_error("write");
  }
};

/// A reader whose doRead drains the fd and then runs `onRead` (if set).
struct Reader : internet::IReadDescriptor {
  int fd;
  std::string name;
  std::string data;
  int reads = 0;
  std::optional<Failure> lost;
  std::function<DescriptorResult(Reader&)> onRead;
  explicit Reader(int f, std::string n = "Reader") : fd(f), name(std::move(n)) {}
  int fileno() const override { return fd; }
  DescriptorResult doRead() override {
    ++reads;
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        data.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0 && !onRead) return internet::main::CONNECTION_DONE();
      break;
    }
    return onRead ? onRead(*this) : std::nullopt;
  }
  void connectionLost(const Failure& reason) override { lost = reason; }
  std::string logPrefix() const override { return name; }
};

/// A writer that counts doWrite calls and runs `onWrite` (if set).
struct Writer : internet::IWriteDescriptor {
  int fd;
  int writes = 0;
  std::optional<Failure> lost;
  std::function<DescriptorResult(Writer&)> onWrite;
  explicit Writer(int f) : fd(f) {}
  int fileno() const override { return fd; }
  DescriptorResult doWrite() override {
    ++writes;
    return onWrite ? onWrite(*this) : std::nullopt;
  }
  void connectionLost(const Failure& reason) override { lost = reason; }
  std::string logPrefix() const override { return "Writer"; }
};

}  // namespace twisted::testing_internal
