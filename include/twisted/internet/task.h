// Umbrella for twisted.internet.task.
#pragma once

#include <twisted/internet/task/clock.h>
