// twisted.protocols.basic.FileSender: the cases of Twisted's
// src/twisted/protocols/test/test_basic.py (FileSenderTests) with a
// StringTransport as the consumer, the C++ file sources (path, adopted
// descriptor, read errors), and a 1 MiB file sent over real TCP on every
// reactor backend.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <streambuf>
#include <string>
#include <system_error>

#include <twisted/internet/error.h>
#include <twisted/internet/protocol.h>
#include <twisted/protocols/basic.h>
#include <twisted/testing/deferred.h>
#include <twisted/testing/string_transport.h>

#include "internet/reactor_fixture.h"

namespace {

using namespace twisted::internet;
using twisted::protocols::basic::FileSender;
using twisted::python::Failure;
using twisted::testing::assertNoResult;
using twisted::testing::failureResultOf;
using twisted::testing::StringTransport;
using twisted::testing::successResultOf;

std::string swapcase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    c = static_cast<char>(std::isupper(u) ? std::tolower(u) : std::toupper(u));
  }
  return out;
}

// A file in the test's temporary directory, removed at the end.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    std::string tmpl = ::testing::TempDir() + "file_sender_XXXXXX";
    int fd = ::mkstemp(tmpl.data());
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "mkstemp");
    ::close(fd);
    path_ = tmpl;
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

bool fdIsOpen(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

TEST(FileSender, IsAPullProducerAndRegistersAsNonStreaming) {
  std::istringstream source("Test content");
  StringTransport consumer;
  FileSender sender;
  auto d = sender.beginFileTransfer(source, consumer);
  EXPECT_EQ(consumer.producer, static_cast<IProducer*>(&sender));
  EXPECT_EQ(consumer.streaming, false);
  EXPECT_NE(dynamic_cast<IPullProducer*>(consumer.producer), nullptr);
  EXPECT_TRUE(sender.transferring());
  assertNoResult(d);
  EXPECT_EQ(consumer.value(), "") << "StringTransport does not resume: nothing written yet";
}

TEST(FileSender, TransferFiresWithTheLastByteOnTheResumeAfterEndOfFile) {
  std::istringstream source("Test content");
  StringTransport consumer;
  FileSender sender;
  auto d = sender.beginFileTransfer(source, consumer);
  sender.resumeProducing();
  EXPECT_EQ(consumer.value(), "Test content");
  assertNoResult(d);  // only the next resume sees end of file
  EXPECT_NE(consumer.producer, nullptr);
  sender.resumeProducing();
  EXPECT_EQ(consumer.producer, nullptr) << "unregistered at end of file";
  EXPECT_EQ(successResultOf(d), std::optional<char>('t'));
  EXPECT_EQ(consumer.value(), "Test content");
  EXPECT_FALSE(sender.transferring());
  sender.resumeProducing();  // after the end: ignored (no second unregister)
  EXPECT_EQ(consumer.value(), "Test content");
}

TEST(FileSender, ReadsAtMostChunkSizePerResume) {
  std::istringstream source("Test content");
  StringTransport consumer;
  FileSender sender;
  sender.chunkSize = 4;
  auto d = sender.beginFileTransfer(source, consumer);
  sender.resumeProducing();
  EXPECT_EQ(consumer.value(), "Test");
  sender.resumeProducing();
  EXPECT_EQ(consumer.value(), "Test con");
  sender.resumeProducing();
  EXPECT_EQ(consumer.value(), "Test content");
  assertNoResult(d);
  sender.resumeProducing();
  EXPECT_EQ(successResultOf(d), std::optional<char>('t'));
}

TEST(FileSender, DefaultChunkIs16KiB) {
  EXPECT_EQ(FileSender::CHUNK_SIZE, 16384u);
  std::string content(2 * 16384 + 5, 'x');
  content.back() = 'z';
  std::istringstream source(content);
  StringTransport consumer;
  FileSender sender;
  auto d = sender.beginFileTransfer(source, consumer);
  sender.resumeProducing();
  EXPECT_EQ(consumer.value().size(), 16384u);
  sender.resumeProducing();
  EXPECT_EQ(consumer.value().size(), 2 * 16384u);
  sender.resumeProducing();
  EXPECT_EQ(consumer.value(), content);
  sender.resumeProducing();
  EXPECT_EQ(successResultOf(d), std::optional<char>('z'));
}

TEST(FileSender, TransformIsAppliedToEachChunkAndGivesTheLastByte) {
  std::istringstream source("Test content");
  StringTransport consumer;
  FileSender sender;
  auto d = sender.beginFileTransfer(source, consumer, swapcase);
  sender.resumeProducing();
  sender.resumeProducing();
  EXPECT_EQ(successResultOf(d), std::optional<char>('T'));
  EXPECT_EQ(consumer.value(), "tEST CONTENT");
}

TEST(FileSender, TransformMayChangeTheLength) {
  std::istringstream source("abcdef");
  StringTransport consumer;
  FileSender sender;
  sender.chunkSize = 3;
  int calls = 0;
  auto d = sender.beginFileTransfer(source, consumer, [&](std::string_view chunk) {
    ++calls;
    return calls == 1 ? "[" + std::string(chunk) + "]" : std::string();
  });
  for (int i = 0; i < 3; ++i)
    sender.resumeProducing();
  EXPECT_EQ(consumer.value(), "[abc]");
  // As in Twisted, lastSent is the last byte of the last chunk written,
  // which was empty.
  EXPECT_EQ(successResultOf(d), std::nullopt);
}

TEST(FileSender, EmptyFileFiresWithNoByte) {
  std::istringstream source("");
  StringTransport consumer;
  FileSender sender;
  auto d = sender.beginFileTransfer(source, consumer);
  assertNoResult(d);
  sender.resumeProducing();
  EXPECT_EQ(consumer.producer, nullptr);
  EXPECT_EQ(successResultOf(d), std::nullopt);
  EXPECT_EQ(consumer.value(), "");
}

TEST(FileSender, SendsFromTheStreamsCurrentPosition) {
  std::istringstream source("skip:rest");
  source.ignore(5);
  StringTransport consumer;
  FileSender sender;
  auto d = sender.beginFileTransfer(source, consumer);
  sender.resumeProducing();
  sender.resumeProducing();
  EXPECT_EQ(consumer.value(), "rest");
  successResultOf(d);
}

TEST(FileSender, StopProducingBeforeTheEndFailsTheDeferred) {
  std::istringstream source("Test content");
  StringTransport consumer;
  FileSender sender;
  sender.chunkSize = 4;
  auto d = sender.beginFileTransfer(source, consumer);
  sender.resumeProducing();
  sender.stopProducing();
  Failure f = failureResultOf<std::runtime_error>(d);
  EXPECT_EQ(f.getErrorMessage(), "Consumer asked us to stop producing");
  EXPECT_FALSE(sender.transferring());
  sender.resumeProducing();  // the consumer is forgotten: nothing is read or written
  EXPECT_EQ(consumer.value(), "Test");
  EXPECT_EQ(consumer.producer, &sender) << "stopProducing does not unregister (the consumer did)";
}

TEST(FileSender, StopProducingAfterTheEndDoesNothing) {
  std::istringstream source("x");
  StringTransport consumer;
  FileSender sender;
  auto d = sender.beginFileTransfer(source, consumer);
  sender.resumeProducing();
  sender.resumeProducing();
  sender.stopProducing();
  EXPECT_EQ(successResultOf(d), std::optional<char>('x'));
}

TEST(FileSender, ASecondTransferWhileOneIsInProgressThrows) {
  std::istringstream a("a"), b("b");
  StringTransport consumer, other;
  FileSender sender;
  auto d = sender.beginFileTransfer(a, consumer);
  EXPECT_THROW(sender.beginFileTransfer(b, other), std::logic_error);
  EXPECT_EQ(other.producer, nullptr);
  sender.resumeProducing();
  sender.resumeProducing();
  successResultOf(d);
  // Once done, the sender can be used again.
  auto d2 = sender.beginFileTransfer(b, other);
  sender.resumeProducing();
  sender.resumeProducing();
  EXPECT_EQ(successResultOf(d2), std::optional<char>('b'));
}

TEST(FileSender, AConsumerThatRefusesTheRegistrationThrowsAndNothingStarts) {
  std::istringstream source("x");
  StringTransport consumer;
  FileSender first, sender;
  consumer.registerProducer(&first, false);
  EXPECT_THROW(sender.beginFileTransfer(source, consumer), std::runtime_error);
  EXPECT_FALSE(sender.transferring());
}

TEST(FileSender, MayBeDestroyedFromItsCallback) {
  std::istringstream source("bye");
  StringTransport consumer;
  auto sender = std::make_unique<FileSender>();
  auto d = sender->beginFileTransfer(source, consumer);
  std::optional<char> got;
  d.addCallback([&](std::optional<char> last) {
    got = last;
    sender.reset();
  });
  sender->resumeProducing();
  sender->resumeProducing();  // fires; the callback destroys the sender (ASan checks)
  EXPECT_EQ(sender, nullptr);
  EXPECT_EQ(got, std::optional<char>('e'));
}

TEST(FileSender, PathIsOpenedAndSent) {
  TempFile file("from a path");
  StringTransport consumer;
  FileSender sender;
  const std::string name = file.path().string();
  auto d = sender.beginFileTransfer(name.c_str(), consumer);  // a C string is a path too
  sender.resumeProducing();
  sender.resumeProducing();
  EXPECT_EQ(consumer.value(), "from a path");
  EXPECT_EQ(successResultOf(d), std::optional<char>('h'));
}

TEST(FileSender, MissingPathFailsWithTheNameAndRegistersNothing) {
  StringTransport consumer;
  FileSender sender;
  auto d = sender.beginFileTransfer(std::filesystem::path("/nonexistent/dir/file.bin"), consumer);
  Failure f = failureResultOf<std::system_error>(d);
  EXPECT_NE(f.getErrorMessage().find("/nonexistent/dir/file.bin"), std::string::npos)
      << f.getErrorMessage();
  EXPECT_NE(f.getErrorMessage().find("No such file"), std::string::npos) << f.getErrorMessage();
  EXPECT_EQ(f.valueAs<std::system_error>()->code().value(), ENOENT);
  EXPECT_EQ(consumer.producer, nullptr);
  EXPECT_FALSE(sender.transferring());
}

TEST(FileSender, AdoptedDescriptorIsClosedAtTheEnd) {
  TempFile file("fd");
  int fd = ::open(file.path().c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  StringTransport consumer;
  FileSender sender;
  auto d = sender.beginFileTransfer(fd, consumer);
  sender.resumeProducing();
  EXPECT_TRUE(fdIsOpen(fd));
  sender.resumeProducing();
  EXPECT_FALSE(fdIsOpen(fd));
  EXPECT_EQ(consumer.value(), "fd");
  successResultOf(d);
}

TEST(FileSender, AdoptedDescriptorIsClosedWhenStopped) {
  TempFile file("fd");
  int fd = ::open(file.path().c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  StringTransport consumer;
  FileSender sender;
  auto d = sender.beginFileTransfer(fd, consumer);
  sender.stopProducing();
  EXPECT_FALSE(fdIsOpen(fd));
  failureResultOf<std::runtime_error>(d);
}

TEST(FileSender, AdoptedDescriptorIsClosedWhenTheCallThrows) {
  std::istringstream a("a");
  TempFile file("fd");
  int fd = ::open(file.path().c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  StringTransport consumer, other;
  FileSender sender;
  auto d = sender.beginFileTransfer(a, consumer);
  EXPECT_THROW(sender.beginFileTransfer(fd, other), std::logic_error);
  EXPECT_FALSE(fdIsOpen(fd));
  sender.stopProducing();
  failureResultOf(d);
}

TEST(FileSender, ReadErrorUnregistersAndFailsWithTheReason) {
  // A directory opens read-only but cannot be read (EISDIR).
  StringTransport consumer;
  FileSender sender;
  auto d = sender.beginFileTransfer(std::filesystem::path(::testing::TempDir()), consumer);
  assertNoResult(d);
  sender.resumeProducing();
  Failure f = failureResultOf<std::system_error>(d);
  EXPECT_EQ(f.valueAs<std::system_error>()->code().value(), EISDIR);
  EXPECT_NE(f.getErrorMessage().find("FileSender: cannot read the file"), std::string::npos);
  EXPECT_EQ(consumer.producer, nullptr);
  EXPECT_FALSE(sender.transferring());
}

// A stream buffer whose reads fail after `good` bytes.
class FailingBuf : public std::streambuf {
 public:
  explicit FailingBuf(std::string good) : good_(std::move(good)) {
    setg(good_.data(), good_.data(), good_.data() + good_.size());
  }

 protected:
  int_type underflow() override { throw std::runtime_error("disk on fire"); }

 private:
  std::string good_;
};

TEST(FileSender, StreamErrorFailsTheDeferred) {
  FailingBuf buf("ok");
  std::istream source(&buf);
  StringTransport consumer;
  FileSender sender;
  sender.chunkSize = 2;
  auto d = sender.beginFileTransfer(source, consumer);
  sender.resumeProducing();
  EXPECT_EQ(consumer.value(), "ok");
  sender.resumeProducing();
  Failure f = failureResultOf<std::runtime_error>(d);
  EXPECT_EQ(f.getErrorMessage(), "FileSender: error reading the stream");
  EXPECT_EQ(consumer.producer, nullptr);
}

TEST(FileSender, StreamThatFailedToOpenFailsTheDeferred) {
  std::ifstream source("/nonexistent/file");
  StringTransport consumer;
  FileSender sender;
  auto d = sender.beginFileTransfer(source, consumer);
  sender.resumeProducing();
  Failure f = failureResultOf<std::runtime_error>(d);
  EXPECT_NE(f.getErrorMessage().find("failed state"), std::string::npos) << f.getErrorMessage();
}

TEST(FileSender, StreamWithExceptionsEnabledEndsNormally) {
  std::istringstream source("abc");
  source.exceptions(std::ios::failbit | std::ios::badbit);
  StringTransport consumer;
  FileSender sender;
  sender.chunkSize = 2;
  auto d = sender.beginFileTransfer(source, consumer);
  for (int i = 0; i < 3; ++i)
    sender.resumeProducing();
  EXPECT_EQ(consumer.value(), "abc");
  EXPECT_EQ(successResultOf(d), std::optional<char>('c'));
}

TEST(FileSender, TransformThatThrowsFailsTheDeferred) {
  std::istringstream source("abc");
  StringTransport consumer;
  FileSender sender;
  auto d = sender.beginFileTransfer(source, consumer, [](std::string_view) -> std::string {
    throw std::invalid_argument("bad chunk");
  });
  sender.resumeProducing();
  Failure f = failureResultOf<std::invalid_argument>(d);
  EXPECT_EQ(f.getErrorMessage(), "bad chunk");
  EXPECT_EQ(consumer.producer, nullptr);
}

// --- over real TCP ----------------------------------------------------------

struct Transfer {
  std::filesystem::path path;
  int resumes = 0;
  std::optional<std::optional<char>> lastSent;
  std::optional<Failure> error;
  std::string received;
  std::optional<Failure> clientLost;
  std::optional<Failure> serverLost;
  ReactorBase* reactor = nullptr;
  void lost() {
    if (clientLost && serverLost) reactor->stop();
  }
};

// Counts how often the transport asks for more.
class CountingSender : public FileSender {
 public:
  explicit CountingSender(Transfer& t) : t_(t) {}
  void resumeProducing() override {
    ++t_.resumes;
    FileSender::resumeProducing();
  }

 private:
  Transfer& t_;
};

// Sends the file on connect, then closes.
class FileServer : public Protocol {
 public:
  explicit FileServer(Transfer* t) : t_(*t), sender_(*t) {}
  void connectionMade() override {
    sender_.beginFileTransfer(t_.path, *transport)
        .addCallbacks(
            [this](std::optional<char> last) {
              t_.lastSent = last;
              transport->loseConnection();
            },
            [this](Failure f) {
              t_.error = f;
              transport->abortConnection();
            });
  }
  void connectionLost(const Failure& reason) override {
    t_.serverLost = reason;
    t_.lost();
  }

 private:
  Transfer& t_;
  CountingSender sender_;
};

class FileClient : public Protocol {
 public:
  explicit FileClient(Transfer* t) : t_(*t) {}
  void dataReceived(std::string_view data) override { t_.received.append(data); }
  void connectionLost(const Failure& reason) override {
    t_.clientLost = reason;
    t_.lost();
  }

 private:
  Transfer& t_;
};

using FileSenderTCP = testing_internal::RealReactorTest;

TEST_P(FileSenderTCP, OneMebibyteArrivesIntactThroughThePullProducerPath) {
  std::string content(1 << 20, '\0');
  std::mt19937 rng(42);
  for (char& c : content)
    c = static_cast<char>(rng());
  TempFile file(content);
  Transfer t;
  t.path = file.path();
  t.reactor = r.get();
  auto port = r->listenTCP(0, Factory::forProtocol<FileServer>(&t), 50, "127.0.0.1");
  auto client = std::make_shared<ClientFactory>();
  client->setProtocol<FileClient>(&t);
  r->connectTCP("127.0.0.1", portOf(port->getHost()), client);
  runBounded();
  port->stopListening();
  ASSERT_FALSE(t.error) << t.error->getTraceback();
  ASSERT_EQ(t.received.size(), content.size());
  EXPECT_TRUE(t.received == content) << "bytes differ";
  ASSERT_TRUE(t.lastSent.has_value());
  EXPECT_EQ(*t.lastSent, std::optional<char>(content.back()));
  // 64 chunks, and one more resume to see end of file: the transport asked
  // again each time its buffer drained.
  EXPECT_EQ(t.resumes, 65);
  ASSERT_TRUE(t.clientLost);
  EXPECT_TRUE(t.clientLost->check<error::ConnectionDone>()) << t.clientLost->str();
  ASSERT_TRUE(t.serverLost);
  EXPECT_TRUE(t.serverLost->check<error::ConnectionDone>()) << t.serverLost->str();
}

TWISTED_INSTANTIATE_BACKENDS(FileSenderTCP);

}  // namespace
