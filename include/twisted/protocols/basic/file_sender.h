// FileSender: a pull producer that writes a file to a consumer (usually a
// transport), one chunk each time the consumer asks for more.
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/interfaces/iproducer.h>

namespace twisted::protocols::basic {

namespace detail {
class FileSenderSource;
}  // namespace detail

/// Sends the contents of a file to a consumer as a non-streaming (pull)
/// producer: each resumeProducing() reads up to chunkSize bytes, passes them
/// through the optional transform and writes the result; the consumer (a
/// transport) asks again each time its buffer has drained, so memory stays
/// bounded whatever the file size:
///
///     sender_.beginFileTransfer("big.iso", *transport)
///         .addCallback([this](std::optional<char>) { transport->loseConnection(); });
///
/// Mirrors: twisted.protocols.basic.FileSender. Differences: the Deferred
/// carries the last byte sent as std::optional<char> (Twisted: a bytes
/// object of length 0 or 1), std::nullopt for an empty file; a read error
/// (or a transform that throws) unregisters the producer and fails the
/// Deferred instead of propagating into the consumer; a transfer that ended
/// (or was stopped) ignores further resumeProducing() calls.
///
/// Lifetime: the consumer is borrowed and must stay alive while the sender
/// is registered with it (until the Deferred fires; a transport calls
/// stopProducing() when its connection ends, after which the sender no
/// longer touches it). The sender must outlive its registration too
/// (docs/design/lifetime.md, rule 12): destroy it only after the Deferred
/// fired, or after unregistering it; its destructor never touches the
/// consumer. The sender may be destroyed from the Deferred's callbacks.
class TWISTED_API FileSender : public internet::IPullProducer {
 public:
  /// Applied to each chunk before it is written. Mirrors the `transform`
  /// argument of FileSender.beginFileTransfer.
  using Transform = std::function<std::string(std::string_view)>;
  /// Fires with the last byte written (none if nothing was written).
  using Result = internet::defer::Deferred<std::optional<char>>;

  /// Bytes read per resumeProducing() by default. Mirrors FileSender.CHUNK_SIZE.
  static constexpr std::size_t CHUNK_SIZE = 16384;

  FileSender();
  ~FileSender() override;
  FileSender(const FileSender&) = delete;
  FileSender& operator=(const FileSender&) = delete;

  /// Starts sending `file`, from its current position to its end, to
  /// `consumer`: registers as a non-streaming producer (a transport asks
  /// for the first chunk at once). The Deferred fires with the last byte
  /// written on the first resumeProducing() after end of file, which also
  /// unregisters the producer; it fails with "Consumer asked us to stop
  /// producing" (std::runtime_error) if stopProducing() comes first, or
  /// with the error if reading fails.
  ///
  /// `file` is borrowed: keep it alive and unused by others until the
  /// Deferred has fired. Mirrors FileSender.beginFileTransfer.
  /// @throws std::logic_error if a transfer is in progress.
  Result beginFileTransfer(std::istream& file, internet::IConsumer& consumer,
                           Transform transform = {});
  /// Opens the file at `path` (read-only) and sends it; the sender owns the
  /// descriptor and closes it when the transfer ends, fails or is stopped.
  /// If it cannot be opened the Deferred has already failed (with a
  /// std::system_error naming the path) and nothing is registered.
  /// @throws std::logic_error if a transfer is in progress.
  Result beginFileTransfer(const std::filesystem::path& path, internet::IConsumer& consumer,
                           Transform transform = {});
  /// Sends what can be read from `fd` (a file, pipe or socket opened for
  /// reading), which the sender adopts: it closes it when the transfer
  /// ends, fails or is stopped, and also if this call throws.
  /// Reads block, so use regular files or descriptors with data ready.
  /// @throws std::logic_error if a transfer is in progress.
  Result beginFileTransfer(int fd, internet::IConsumer& consumer, Transform transform = {});

  /// Reads and writes the next chunk, or, at end of file, unregisters and
  /// fires the Deferred. Mirrors FileSender.resumeProducing.
  void resumeProducing() override;
  /// Does nothing: a pull producer only writes when asked.
  /// Mirrors FileSender.pauseProducing.
  void pauseProducing() {}
  /// The consumer is going away: closes the file, forgets the consumer and
  /// fails the Deferred (if still waiting) with std::runtime_error("Consumer
  /// asked us to stop producing"). Mirrors FileSender.stopProducing.
  void stopProducing() override;

  /// True from beginFileTransfer until the transfer ended, failed or was stopped.
  bool transferring() const noexcept { return source_ != nullptr; }

  /// Bytes read per resumeProducing(); change it before or during a
  /// transfer. Mirrors setting CHUNK_SIZE on a FileSender instance.
  std::size_t chunkSize = CHUNK_SIZE;
  /// The last byte written so far (after the transform). Mirrors FileSender.lastSent.
  std::optional<char> lastSent;

 private:
  using Source = detail::FileSenderSource;
  Result start(std::unique_ptr<Source> source, internet::IConsumer& consumer, Transform transform);
  // Ends the transfer: closes the source, forgets the consumer and returns
  // the Deferred to fire (firing it is the last thing a method does, since
  // its callbacks may destroy the sender).
  std::optional<Result> end();
  void fail(std::exception_ptr error);

  std::unique_ptr<Source> source_;
  internet::IConsumer* consumer_ = nullptr;
  Transform transform_;
  std::optional<Result> deferred_;
  std::string buffer_;
};

}  // namespace twisted::protocols::basic
