// TWISTED_API: marks the library's public API (classes and free functions
// declared in these headers and defined in src/) as exported.
//
// The shared library (TWISTED_SHARED=ON) is compiled with
// -fvisibility=hidden -fvisibility-inlines-hidden, so only what carries this
// macro is in its dynamic symbol table. Templates and inline functions need
// none: they are instantiated in the user's code. In the static library the
// attribute changes nothing, so one installed header serves both builds.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define TWISTED_API __attribute__((visibility("default")))
#else
#define TWISTED_API
#endif
