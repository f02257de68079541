// twisted.protocols.basic: the framing protocols (lines, length-prefixed
// strings, netstrings) and FileSender.
#pragma once

#include <twisted/protocols/basic/errors.h>
#include <twisted/protocols/basic/file_sender.h>
#include <twisted/protocols/basic/int_n_string_receiver.h>
#include <twisted/protocols/basic/line_only_receiver.h>
#include <twisted/protocols/basic/line_receiver.h>
#include <twisted/protocols/basic/netstring_receiver.h>
