#include "errors.hpp"

#include "picdex/error.hpp"

namespace py = pybind11;

namespace picdex::python {
namespace {

// The classes, made once at import and kept for the life of the interpreter.
struct Classes {
  py::object error, input, not_found, format, upgrade_needed, mismatch, io;
};
Classes* classes = nullptr;

py::object make_class(py::module_& module, const char* name, py::handle base, const char* doc) {
  py::object cls = py::reinterpret_steal<py::object>(
      PyErr_NewExceptionWithDoc((std::string("picdex.") + name).c_str(), doc, base.ptr(), nullptr));
  if (!cls) throw py::error_already_set();
  module.attr(name) = cls;
  return cls;
}

void raise(const py::object& cls, const std::exception& e) {
  PyErr_SetString(cls.ptr(), e.what());
}

// An InputError carries where the bad input was, as attributes (None where not known).
void raise_input_error(const InputError& e) {
  py::object error = classes->input(e.what());
  const auto& place = e.place();
  auto or_none = [](const std::string& s) -> py::object {
    return s.empty() ? py::object(py::none()) : py::object(py::str(s));
  };
  error.attr("file") = or_none(place.file);
  error.attr("line") = place.line ? py::object(py::int_(place.line)) : py::object(py::none());
  error.attr("uri") = or_none(place.uri);
  error.attr("field") = or_none(place.field);
  error.attr("problem") = py::str(e.problem());
  PyErr_SetObject(classes->input.ptr(), error.ptr());
}

}  // namespace

void register_errors(py::module_& module) {
  classes = new Classes;  // never freed: exception classes outlive every module object
  classes->error =
      make_class(module, "Error", PyExc_Exception, "Base class of every error picdex raises.");
  classes->input = make_class(
      module, "InputError", classes->error,
      "Bad data from the caller or an input file. Attributes file, line, uri, field (None "
      "where not known) and problem locate it.");
  for (const char* place : {"file", "line", "uri", "field", "problem"})
    classes->input.attr(place) = py::none();  // an InputError made in Python has them too
  classes->not_found = make_class(module, "NotFoundError", classes->error,
                                  "A catalogue, file or image that does not exist.");
  classes->format =
      make_class(module, "FormatError", classes->error,
                 "The file is not a picdex catalogue, or was written by a newer format.");
  classes->upgrade_needed =
      make_class(module, "UpgradeNeededError", classes->format,
                 "The catalogue is in an older format: open it once read-write to upgrade it.");
  classes->mismatch =
      make_class(module, "EmbedderMismatchError", classes->error,
                 "The catalogue uses another embedder than the one expected (or was re-embedded).");
  classes->io = make_class(module, "IoError", classes->error,
                           "Reading or writing the file system or the database failed.");

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InputError& e) {
      raise_input_error(e);
    } catch (const NotFoundError& e) {
      raise(classes->not_found, e);
    } catch (const UpgradeNeededError& e) {
      raise(classes->upgrade_needed, e);
    } catch (const FormatError& e) {
      raise(classes->format, e);
    } catch (const EmbedderMismatchError& e) {
      raise(classes->mismatch, e);
    } catch (const IoError& e) {
      raise(classes->io, e);
    } catch (const Error& e) {
      raise(classes->error, e);
    }
  });
}

}  // namespace picdex::python
