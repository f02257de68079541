// The `twist` command line: global options, one service, run the reactor.
#pragma once

namespace twisted::twist {

/// Runs `twist [--reactor NAME] [--log-file PATH] [--log-format F]
/// [--log-level L] SERVICE [options]`: installs the reactor, starts logging
/// (text lines or JSON records, on stdout, stderr or a rotating LogFile,
/// filtered by level), listens with the service's
/// factory on every --listen endpoint, runs the reactor until SIGINT/SIGTERM
/// (or reactor().stop()), reopening the log file on SIGHUP (C++ addition,
/// for logrotate; twistd rotates on SIGUSR1), and returns the exit status: 0 after a clean
/// shutdown or --help, 64 (EX_USAGE, after the error and the usage on
/// stderr) for a command-line error, 74 (EX_IOERR) if the log file cannot
/// be opened, 1 if a port cannot be opened. The reactor is --reactor, else
/// $TWISTED_REACTOR, else epoll.
///
/// Shutdown mirrors Twisted: a "before shutdown" trigger stops every
/// listening port (logging "(TCP Port N Closed)") and the reactor
/// disconnects the remaining connections.
///
/// Mirrors: twisted.application.twist._twist.Twist.main with
/// twisted.application.runner._runner.Runner.
int run(int argc, const char* const* argv);

}  // namespace twisted::twist
