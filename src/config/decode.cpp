#include "config/decode.h"

#include "config/decoder.h"

namespace xlb::config {

using detail::Decoder;
using detail::line_of;

std::optional<YAML::Node> read_document(std::string_view text, Diagnostics& diag) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::ParserException& e) {
    diag.error(e.mark.line + 1, "",
               "YAML syntax error: " + e.msg + " (column " + std::to_string(e.mark.column + 1) + ")");
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    diag.error(e.mark.line + 1, "", std::string("cannot read YAML: ") + e.what());
    return std::nullopt;
  }
  if (documents.empty()) {
    diag.error(0, "", "the file is empty; it needs at least 'node:' with 'interface:'");
    return std::nullopt;
  }
  if (documents.size() > 1) {
    // A second "---" usually means two files were pasted together; say so
    // rather than silently using the first.
    diag.error(line_of(documents[1]), "", "more than one YAML document ('---'); a config file holds exactly one");
    return std::nullopt;
  }
  return documents.front();
}

Decoded decode(const YAML::Node& root, Diagnostics& diag) {
  try {
    return Decoder(diag).run(root);
  } catch (const YAML::Exception& e) {
    // Not expected: the decoder only walks nodes it has checked. Should yaml-cpp
    // still throw, the file is refused rather than the agent brought down.
    diag.error(e.mark.line + 1, "", std::string("cannot decode YAML: ") + e.what());
    return Decoded{};
  }
}

}  // namespace xlb::config
