// Umbrella for twisted.application.service: IService, Service, MultiService, Application.
#pragma once

#include <twisted/application/service/application.h>
#include <twisted/application/service/errors.h>
#include <twisted/application/service/iservice.h>
#include <twisted/application/service/multi_service.h>
#include <twisted/application/service/service.h>
