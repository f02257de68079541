// IReactorPluggableResolver: the reactor's name resolver can be replaced.
#pragma once

#include <twisted/export.h>

#include <memory>

#include <twisted/internet/interfaces/iresolver_simple.h>

namespace twisted::internet {

/// A reactor whose host-name resolver can be replaced. connectTCP (and
/// ReactorBase::resolve) look names up through resolver().
///
/// Mirrors: twisted.internet.interfaces.IReactorPluggableResolver.
/// Reactor thread only.
class TWISTED_API IReactorPluggableResolver {
 public:
  virtual ~IReactorPluggableResolver() = default;

  /// Makes `newResolver` the one used from now on and returns the previous one.
  /// Lookups already started finish on the resolver that began them.
  /// Mirrors IReactorPluggableResolver.installResolver.
  /// @throws std::invalid_argument for a null resolver.
  virtual std::shared_ptr<IResolverSimple> installResolver(
      std::shared_ptr<IResolverSimple> newResolver) = 0;

  /// The installed resolver (never null). Mirrors the reactor's `resolver`
  /// attribute.
  virtual std::shared_ptr<IResolverSimple> resolver() = 0;
};

}  // namespace twisted::internet
