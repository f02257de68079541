# Sources of twisted/protocols (paths relative to src/).
list(APPEND TWISTED_SOURCES
  protocols/basic/line_receiver.cpp
  protocols/basic/line_only_receiver.cpp
  protocols/basic/int_n_string_receiver.cpp
  protocols/basic/netstring_receiver.cpp
  protocols/basic/file_sender.cpp
  protocols/stateful.cpp
)
list(APPEND TWISTED_SOURCES
  protocols/wire.cpp
  protocols/policies/wrapping_factory.cpp
  protocols/policies/throttling.cpp
  protocols/policies/limits.cpp
  protocols/policies/timeout_mixin.cpp
  protocols/portforward.cpp
  protocols/loopback.cpp
  protocols/socks/request_parser.cpp
  protocols/socks/socks_v4.cpp
)
