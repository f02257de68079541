# Sources of twisted/testing (paths relative to src/): test helpers that ship
# with the library so users can test their own protocols.
list(APPEND TWISTED_SOURCES
  testing/string_transport.cpp
)
list(APPEND TWISTED_SOURCES
  testing/memory_reactor.cpp
)
list(APPEND TWISTED_SOURCES
  testing/iosim.cpp
)
list(APPEND TWISTED_SOURCES
  testing/fake_resolver.cpp
)
list(APPEND TWISTED_SOURCES
  testing/event_logging_observer.cpp
)
list(APPEND TWISTED_SOURCES
  testing/fake_hostname_resolver.cpp
)
