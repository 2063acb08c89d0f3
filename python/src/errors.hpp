// picdex's errors as Python exceptions: picdex.Error and one subclass per C++ error class.
#pragma once

#include <pybind11/pybind11.h>

namespace picdex::python {

// Adds the exception classes to the module and translates picdex's C++ errors into them.
void register_errors(pybind11::module_& module);

}  // namespace picdex::python
