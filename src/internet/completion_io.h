// CompletionIO: what a completion-based backend (io_uring) offers the stream
// transports, beside the readiness interface every backend has. Internal;
// ReactorBase::completionIO() returns it, or null on the readiness-only
// backends (epoll, poll, select). Test: tests/internet/test_iouring_reactor.cpp
// and every TCP suite on tests/internet/reactor_fixture.h.
//
// The contract keeps the reactor's dispatch as it is: an adopted socket is
// still registered with addReader/addWriter, and still gets doRead/doWrite.
// What changes is what those mean:
//   - Read interest keeps a receive request armed in the kernel. Bytes it
//     received are queued per socket and the socket is reported readable;
//     doRead takes them with next() instead of calling recv(2).
//   - send() hands bytes to the kernel as a request (submitted with the
//     next wait, no system call of its own). While the socket has write
//     interest, it is reported writable once no send is in flight, and
//     doWrite asks sendError()/sending() instead of calling send(2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace twisted::internet::detail {

class CompletionIO {
 public:
  /// One received chunk, or the end of the stream.
  struct Received {
    std::string_view data;  // valid until recycle(token)
    std::uint32_t token = 0;
    int error = 0;     // the end: 0 EOF, else an errno
    bool end = false;  // no more data will come
  };

  /// Makes `fd` (a connected stream socket, not yet registered) an adopted
  /// socket until descriptorClosing(fd). False: the backend cannot (its
  /// buffer ring is unavailable); the caller stays on readiness.
  virtual bool adopt(int fd) = 0;
  /// Takes the oldest queued chunk of `fd`. False if none is queued.
  virtual bool next(int fd, Received& out) = 0;
  /// Gives back the memory of a chunk next() returned (after its data was
  /// delivered; also valid once `fd` is closed).
  virtual void recycle(std::uint32_t token) noexcept = 0;
  /// Sends `bytes` on `fd`; at most one send is in flight per socket.
  virtual void send(int fd, std::string bytes) = 0;
  /// Sends `chunks` in order, the first from `firstOffset` on (a write
  /// buffer's, moved rather than joined).
  virtual void send(int fd, std::vector<std::string> chunks, std::size_t firstOffset) = 0;
  /// A send is in flight on `fd`.
  virtual bool sending(int fd) const noexcept = 0;
  /// The errno a send on `fd` failed with (0 if none), cleared by the call.
  virtual int takeSendError(int fd) noexcept = 0;

 protected:
  ~CompletionIO() = default;
};

}  // namespace twisted::internet::detail
