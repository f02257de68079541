// IReactorFDSet: watching file descriptors for readiness.
#pragma once

#include <twisted/export.h>

#include <vector>

#include <twisted/internet/interfaces/ifile_descriptor.h>

namespace twisted::internet {

/// Mirrors: twisted.internet.interfaces.IReactorFDSet. Descriptors are passed
/// by pointer and never owned (see IFileDescriptor). All methods: reactor
/// thread only. Adding twice is a no-op; removing an unregistered descriptor
/// is a no-op.
class TWISTED_API IReactorFDSet {
 public:
  virtual ~IReactorFDSet() = default;
  /// Calls reader->doRead() whenever its fileno() is readable. Mirrors addReader.
  virtual void addReader(IReadDescriptor* reader) = 0;
  /// Calls writer->doWrite() whenever its fileno() is writable. Mirrors addWriter.
  virtual void addWriter(IWriteDescriptor* writer) = 0;
  /// Mirrors IReactorFDSet.removeReader.
  virtual void removeReader(IReadDescriptor* reader) = 0;
  /// Mirrors IReactorFDSet.removeWriter.
  virtual void removeWriter(IWriteDescriptor* writer) = 0;
  /// Removes every reader and writer except the reactor's internal ones and
  /// returns them (each descriptor once). Mirrors IReactorFDSet.removeAll.
  virtual std::vector<IFileDescriptor*> removeAll() = 0;
  /// Mirrors IReactorFDSet.getReaders.
  virtual std::vector<IReadDescriptor*> getReaders() const = 0;
  /// Mirrors IReactorFDSet.getWriters.
  virtual std::vector<IWriteDescriptor*> getWriters() const = 0;
};

}  // namespace twisted::internet
