// twisted.internet.utils: three small ProcessProtocols that turn a child's
// output and end into the result of a Deferred.
#include <twisted/internet/utils.h>

#include <cstdio>
#include <memory>
#include <utility>

#include <twisted/internet/error.h>

namespace twisted::internet::utils {

using defer::Deferred;
using python::Failure;

namespace {

// Python's repr() of bytes, for Twisted's "got stderr: b'...'" message.
std::string bytesRepr(std::string_view s) {
  bool hasSingle = s.find('\'') != std::string_view::npos;
  char quote = hasSingle && s.find('"') == std::string_view::npos ? '"' : '\'';
  std::string r = "b";
  r += quote;
  for (unsigned char c : s) {
    switch (c) {
      case '\n':
        r += "\\n";
        break;
      case '\r':
        r += "\\r";
        break;
      case '\t':
        r += "\\t";
        break;
      case '\\':
        r += "\\\\";
        break;
      default:
        if (c == static_cast<unsigned char>(quote)) {
          r += '\\';
          r += static_cast<char>(c);
        } else if (c < 0x20 || c >= 0x7f) {
          char buf[5];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          r += buf;
        } else {
          r += static_cast<char>(c);
        }
    }
  }
  r += quote;
  return r;
}

// Twisted's utils prepend the executable as argv[0].
std::vector<std::string> argv(const std::string& executable, std::vector<std::string> args) {
  args.insert(args.begin(), executable);
  return args;
}

// Mirrors utils._BackRelay.
class BackRelay : public ProcessProtocol {
 public:
  BackRelay(Deferred<std::string> d, bool errortoo)
      : deferred_(std::move(d)), errortoo_(errortoo) {}

  void outReceived(std::string_view data) override { s_.append(data); }

  void errReceived(std::string_view data) override {
    if (errortoo_) {
      s_.append(data);
      return;
    }
    if (!deferred_) return;  // only the first stderr data counts
    Deferred<std::string> d = std::move(*deferred_);
    deferred_.reset();
    onProcessEnded_.emplace();
    d.errback(Failure(UnexpectedErrorOutput(std::string(data), s_, *onProcessEnded_)));
    // Twisted closes the pipes rather than signalling the child.
    if (transport) transport->loseConnection();
  }

  void processEnded(const Failure& reason) override {
    if (deferred_) {
      Deferred<std::string> d = std::move(*deferred_);
      deferred_.reset();
      d.callback(std::move(s_));
    } else if (onProcessEnded_) {
      onProcessEnded_->errback(reason);
    }
  }

 private:
  std::optional<Deferred<std::string>> deferred_;
  std::optional<Deferred<void>> onProcessEnded_;
  std::string s_;
  bool errortoo_;
};

// Mirrors utils._ValueGetter.
class ValueGetter : public ProcessProtocol {
 public:
  explicit ValueGetter(Deferred<std::optional<int>> d) : deferred_(std::move(d)) {}
  void processEnded(const Failure& reason) override {
    std::optional<int> code;
    if (reason.check<error::ProcessDone>())
      code = 0;
    else if (const auto* t = reason.valueAs<error::ProcessTerminated>())
      code = t->exitCode;  // none after a signal: Twisted's None
    deferred_.callback(code);
  }

 private:
  Deferred<std::optional<int>> deferred_;
};

// Mirrors utils._EverythingGetter.
class EverythingGetter : public ProcessProtocol {
 public:
  EverythingGetter(Deferred<OutputAndValue> d, std::optional<std::string> stdinBytes)
      : deferred_(std::move(d)), stdinBytes_(std::move(stdinBytes)) {}
  void connectionMade() override {
    if (!stdinBytes_) return;
    auto* t = processTransport();
    t->writeToChild(0, *stdinBytes_);
    t->closeStdin();  // what was written is still sent first
    stdinBytes_.reset();
  }
  void outReceived(std::string_view data) override { out_.append(data); }
  void errReceived(std::string_view data) override { err_.append(data); }
  void processEnded(const Failure& reason) override {
    const auto* t = reason.valueAs<error::ProcessTerminated>();
    if (t && t->signal) {
      deferred_.errback(
          Failure(ProcessEndedBySignal(std::move(out_), std::move(err_), *t->signal)));
      return;
    }
    int code = t && t->exitCode ? *t->exitCode : 0;
    deferred_.callback(OutputAndValue{std::move(out_), std::move(err_), code});
  }

 private:
  Deferred<OutputAndValue> deferred_;
  std::optional<std::string> stdinBytes_;
  std::string out_, err_;
};

}  // namespace

UnexpectedErrorOutput::UnexpectedErrorOutput(std::string text_, std::string output_,
                                             Deferred<void> ended)
    : std::runtime_error("got stderr: " + bytesRepr(text_)),
      text(std::move(text_)),
      output(std::move(output_)),
      processEnded(std::move(ended)) {}

ProcessEndedBySignal::ProcessEndedBySignal(std::string out_, std::string err_, int signal_)
    : std::runtime_error("process ended by signal " + std::to_string(signal_)),
      out(std::move(out_)),
      err(std::move(err_)),
      signal(signal_) {}

Deferred<std::string> getProcessOutput(std::string executable, std::vector<std::string> args,
                                       process::Environment env, std::string path,
                                       IReactorProcess& reactor, bool errortoo) {
  Deferred<std::string> d;
  auto argList = argv(executable, std::move(args));
  reactor.spawnProcess(std::make_shared<BackRelay>(d, errortoo), std::move(executable),
                       std::move(argList), std::move(env), std::move(path));
  return d;
}

Deferred<std::optional<int>> getProcessValue(std::string executable, std::vector<std::string> args,
                                             process::Environment env, std::string path,
                                             IReactorProcess& reactor) {
  Deferred<std::optional<int>> d;
  auto argList = argv(executable, std::move(args));
  reactor.spawnProcess(std::make_shared<ValueGetter>(d), std::move(executable), std::move(argList),
                       std::move(env), std::move(path));
  return d;
}

Deferred<OutputAndValue> getProcessOutputAndValue(std::string executable,
                                                  std::vector<std::string> args,
                                                  process::Environment env, std::string path,
                                                  IReactorProcess& reactor,
                                                  std::optional<std::string> stdinBytes) {
  Deferred<OutputAndValue> d;
  auto argList = argv(executable, std::move(args));
  reactor.spawnProcess(std::make_shared<EverythingGetter>(d, std::move(stdinBytes)),
                       std::move(executable), std::move(argList), std::move(env), std::move(path));
  return d;
}

}  // namespace twisted::internet::utils
