# Sources of twisted/protocols (paths relative to src/).
list(APPEND TWISTED_SOURCES
  protocols/basic/line_receiver.cpp
  protocols/basic/line_only_receiver.cpp
  protocols/basic/int_n_string_receiver.cpp
  protocols/basic/netstring_receiver.cpp
)
