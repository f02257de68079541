// ListenFDs: the sd_listen_fds protocol (LISTEN_PID / LISTEN_FDS).
#include <twisted/python/systemd.h>

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace {

using twisted::python::ListenFDs;
using Fds = std::vector<int>;

std::string self() {
  return std::to_string(::getpid());
}

TEST(ListenFDsTest, FromAnEnvironment) {
  EXPECT_EQ(ListenFDs::fromEnvironment({{"LISTEN_PID", self()}, {"LISTEN_FDS", "2"}})
                .inheritedDescriptors(),
            (Fds{3, 4}));
  EXPECT_EQ(ListenFDs::fromEnvironment({{"LISTEN_PID", self()}, {"LISTEN_FDS", "1"}}, 7)
                .inheritedDescriptors(),
            (Fds{7}));
  // Another process's sockets, or nothing usable: none.
  EXPECT_TRUE(ListenFDs::fromEnvironment({{"LISTEN_PID", "1"}, {"LISTEN_FDS", "2"}})
                  .inheritedDescriptors()
                  .empty());
  EXPECT_TRUE(ListenFDs::fromEnvironment({{"LISTEN_FDS", "2"}}).inheritedDescriptors().empty());
  EXPECT_TRUE(ListenFDs::fromEnvironment({{"LISTEN_PID", self()}}).inheritedDescriptors().empty());
  EXPECT_TRUE(ListenFDs::fromEnvironment({{"LISTEN_PID", self()}, {"LISTEN_FDS", "x"}})
                  .inheritedDescriptors()
                  .empty());
  EXPECT_TRUE(ListenFDs::fromEnvironment({{"LISTEN_PID", self() + "x"}, {"LISTEN_FDS", "1"}})
                  .inheritedDescriptors()
                  .empty());
  EXPECT_TRUE(ListenFDs::fromEnvironment({{"LISTEN_PID", self()}, {"LISTEN_FDS", "-1"}})
                  .inheritedDescriptors()
                  .empty());
  EXPECT_TRUE(ListenFDs::fromEnvironment({{"LISTEN_PID", self()}, {"LISTEN_FDS", "99999999999"}})
                  .inheritedDescriptors()
                  .empty());
  EXPECT_EQ(ListenFDs({5, 6}).inheritedDescriptors(), (Fds{5, 6}));
}

TEST(ListenFDsTest, FromTheProcessEnvironment) {
  // fd 3 as systemd would pass it: inheritable.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  int three = ::fcntl(fds[0], F_DUPFD, 3);
  ASSERT_GE(three, 3);
  ::setenv("LISTEN_PID", self().c_str(), 1);
  ::setenv("LISTEN_FDS", std::to_string(three - 2).c_str(), 1);
  ::setenv("LISTEN_FDNAMES", "x", 1);
  ListenFDs found = ListenFDs::fromEnvironment();
  ASSERT_EQ(found.inheritedDescriptors().size(), static_cast<std::size_t>(three - 2));
  EXPECT_EQ(found.inheritedDescriptors().back(), three);
  EXPECT_TRUE(::fcntl(three, F_GETFD) & FD_CLOEXEC);
  // Not passed on to children, and not found twice.
  EXPECT_EQ(std::getenv("LISTEN_PID"), nullptr);
  EXPECT_EQ(std::getenv("LISTEN_FDS"), nullptr);
  EXPECT_EQ(std::getenv("LISTEN_FDNAMES"), nullptr);
  EXPECT_TRUE(ListenFDs::fromEnvironment().inheritedDescriptors().empty());
  ::close(three);
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
