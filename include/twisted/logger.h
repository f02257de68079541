// twisted::logger: structured logging. `#include <twisted/logger.h>` reads
// like `from twisted import logger`.
#pragma once

#include <twisted/logger/file_log_observer.h>
#include <twisted/logger/filtering_log_observer.h>
#include <twisted/logger/format.h>
#include <twisted/logger/json.h>
#include <twisted/logger/limited_history_log_observer.h>
#include <twisted/logger/log_beginner.h>
#include <twisted/logger/log_event.h>
#include <twisted/logger/log_level.h>
#include <twisted/logger/log_publisher.h>
#include <twisted/logger/logger.h>
