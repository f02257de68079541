// twisted.protocols.basic.FileSender. Test: tests/protocols/test_file_sender.cpp
#include <twisted/protocols/basic/file_sender.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ios>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <twisted/python/log.h>

namespace twisted::protocols::basic {

namespace detail {

/// Where a FileSender reads from.
class FileSenderSource {
 public:
  virtual ~FileSenderSource() = default;
  /// Up to `n` bytes into `buf`; 0 at end of file. Throws on a read error.
  virtual std::size_t read(char* buf, std::size_t n) = 0;
};

}  // namespace detail

namespace {

using internet::IConsumer;
using python::Failure;

/// A borrowed istream.
class StreamSource final : public detail::FileSenderSource {
 public:
  explicit StreamSource(std::istream& file) : file_(file) {}

  std::size_t read(char* buf, std::size_t n) override {
    if (file_.bad() || (file_.fail() && !file_.eof())) {
      throw std::runtime_error("FileSender: cannot read the stream: it is in a failed state");
    }
    if (file_.eof()) return 0;
    try {
      file_.read(buf, static_cast<std::streamsize>(n));
    } catch (const std::ios_base::failure&) {
      // A stream with exceptions() enabled throws for the short read at end
      // of file too; that one is not an error.
      if (file_.bad() || !file_.eof()) throw;
    }
    if (file_.bad()) throw std::runtime_error("FileSender: error reading the stream");
    return static_cast<std::size_t>(file_.gcount());
  }

 private:
  std::istream& file_;
};

/// An owned descriptor, closed on destruction.
class FdSource final : public detail::FileSenderSource {
 public:
  explicit FdSource(int fd) noexcept : fd_(fd) {}
  ~FdSource() override {
    if (fd_ >= 0) ::close(fd_);
  }
  FdSource(const FdSource&) = delete;
  FdSource& operator=(const FdSource&) = delete;

  std::size_t read(char* buf, std::size_t n) override {
    for (;;) {
      ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) return static_cast<std::size_t>(r);
      if (errno != EINTR) {
        throw std::system_error(errno, std::generic_category(), "FileSender: cannot read the file");
      }
    }
  }

 private:
  int fd_;
};

}  // namespace

FileSender::FileSender() = default;
FileSender::~FileSender() = default;

FileSender::Result FileSender::beginFileTransfer(std::istream& file, IConsumer& consumer,
                                                 Transform transform) {
  return start(std::make_unique<StreamSource>(file), consumer, std::move(transform));
}

FileSender::Result FileSender::beginFileTransfer(const std::filesystem::path& path,
                                                 IConsumer& consumer, Transform transform) {
  if (source_) throw std::logic_error("FileSender: a transfer is already in progress");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return internet::defer::fail<std::optional<char>>(std::system_error(
        errno, std::generic_category(), "FileSender: cannot open '" + path.string() + "'"));
  }
  return start(std::make_unique<FdSource>(fd), consumer, std::move(transform));
}

FileSender::Result FileSender::beginFileTransfer(int fd, IConsumer& consumer, Transform transform) {
  auto source = std::make_unique<FdSource>(fd);  // adopted even if we throw
  return start(std::move(source), consumer, std::move(transform));
}

FileSender::Result FileSender::start(std::unique_ptr<Source> source, IConsumer& consumer,
                                     Transform transform) {
  if (source_) throw std::logic_error("FileSender: a transfer is already in progress");
  source_ = std::move(source);
  consumer_ = &consumer;
  transform_ = std::move(transform);
  lastSent.reset();
  Result d;
  deferred_ = d;
  try {
    // A transport asks for the first chunk inside this call; for an empty
    // file the Deferred may even have fired when it returns.
    consumer.registerProducer(this, false);
  } catch (...) {
    source_.reset();
    consumer_ = nullptr;
    transform_ = nullptr;
    deferred_.reset();
    throw;
  }
  return d;
}

std::optional<FileSender::Result> FileSender::end() {
  source_.reset();
  transform_ = nullptr;
  consumer_ = nullptr;
  std::string().swap(buffer_);
  return std::exchange(deferred_, std::nullopt);
}

void FileSender::fail(std::exception_ptr error) {
  IConsumer* consumer = consumer_;
  std::optional<Result> d = end();
  if (consumer) {
    try {
      consumer->unregisterProducer();
    } catch (...) {
      python::log::err(std::current_exception(), "FileSender: unregisterProducer failed");
    }
  }
  if (d) d->errback(Failure(std::move(error)));
}

void FileSender::resumeProducing() {
  if (!source_) return;  // ended or stopped: nothing more to write
  std::size_t n = 0;
  try {
    buffer_.resize(std::max<std::size_t>(chunkSize, 1));
    n = source_->read(buffer_.data(), buffer_.size());
  } catch (...) {
    fail(std::current_exception());
    return;
  }
  if (n == 0) {
    // End of file, seen on the resume after the last chunk, as in Twisted.
    IConsumer* consumer = consumer_;
    std::optional<Result> d = end();
    try {
      consumer->unregisterProducer();
    } catch (...) {
      if (d) d->errback(Failure(std::current_exception()));
      return;
    }
    if (d) d->callback(lastSent);
    return;
  }
  try {
    std::string_view chunk(buffer_.data(), n);
    if (transform_) {
      std::string out = transform_(chunk);
      lastSent = out.empty() ? std::nullopt : std::optional<char>(out.back());
      consumer_->write(out);
    } else {
      lastSent = chunk.back();
      consumer_->write(chunk);
    }
  } catch (...) {
    if (source_) fail(std::current_exception());
  }
}

void FileSender::stopProducing() {
  std::optional<Result> d = end();
  if (d) d->errback(Failure(std::runtime_error("Consumer asked us to stop producing")));
}

}  // namespace twisted::protocols::basic
