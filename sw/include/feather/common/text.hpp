// Text that goes into a generated document (SVG, HTML, JUnit XML, Markdown): user-supplied
// names (networks, layers, designs, suites, tests) are escaped for the format they land in, so
// a name with `&`, `<` or `|` can never break the document, written once for every report.
#pragma once

#include <string>
#include <string_view>

namespace feather {

// XML 1.0 / HTML character data and attribute values: & < > " ' as entities; the control
// characters XML 1.0 forbids (below 0x20 except tab, newline, carriage return) dropped.
std::string xml_escape(std::string_view s);

// One cell of a Markdown table: `|`, `\`, `<`, `>` and `&` escaped with a backslash (a cell
// never splits its row, and a renderer never takes a name for HTML), line breaks and other
// control characters as one blank each.
std::string markdown_cell(std::string_view s);

}  // namespace feather
