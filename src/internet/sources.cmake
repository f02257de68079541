# Sources of twisted/internet (paths relative to src/).
list(APPEND TWISTED_SOURCES
  internet/delayed_call.cpp
  internet/reactor_base.cpp
  internet/thread_call_queue.cpp
  internet/system_event_triggers.cpp
  internet/epoll_reactor.cpp
  internet/poll_reactor.cpp
  internet/select_reactor.cpp
  internet/reactor.cpp
  internet/task/clock.cpp
  internet/task/looping_call.cpp
  internet/task/cooperator.cpp
  internet/task/react.cpp
  internet/defer/state.cpp
  internet/address.cpp
  internet/protocol.cpp
  internet/stream/sockets.cpp
  internet/stream/connection.cpp
  internet/stream/port.cpp
  internet/stream/connector.cpp
  internet/tcp/tcp.cpp
  internet/ssl/certificate.cpp
  internet/ssl/options.cpp
  internet/ssl/reactor_ssl.cpp
  internet/tls/tls_protocol.cpp
  internet/udp/inet.cpp
  internet/udp/port.cpp
  internet/udp/udp.cpp
  internet/unix/lockfile.cpp
  internet/unix/unix.cpp
  internet/unix/datagram.cpp
  internet/stdio.cpp
  internet/process.cpp
  internet/utils.cpp
  internet/threads.cpp
  internet/name_lookup.cpp
  internet/threaded_resolver.cpp
  internet/gai_resolver.cpp
)
list(APPEND TWISTED_SOURCES
  internet/client_creator.cpp
  internet/reconnecting_client_factory.cpp
)
# HostnameEndpoint's happy-eyeballs race.
list(APPEND TWISTED_SOURCES
  internet/endpoints/detail/happy_eyeballs.cpp
  internet/endpoints/hostname_endpoint.cpp
)
