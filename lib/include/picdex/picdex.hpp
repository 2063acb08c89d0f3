// The whole public API of picdex.
#pragma once

#include "picdex/catalogue.hpp"
#include "picdex/embedder.hpp"
#include "picdex/engines.hpp"
#include "picdex/error.hpp"
#include "picdex/filter.hpp"
#include "picdex/import.hpp"
#include "picdex/train.hpp"
