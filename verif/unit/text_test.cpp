// Escaping of user-supplied names for generated documents (feather/common/text.hpp).
#include <gtest/gtest.h>

#include <string>

#include "feather/common/text.hpp"

namespace feather {
namespace {

TEST(Text, XmlEscapeTurnsMarkupIntoEntities) {
  EXPECT_EQ(xml_escape(R"(a&b <c> "d" 'e')"), "a&amp;b &lt;c&gt; &quot;d&quot; &#39;e&#39;");
  EXPECT_EQ(xml_escape("plain name_1.x"), "plain name_1.x");
  EXPECT_EQ(xml_escape(""), "");
  // An entity that is already there is escaped again: names are text, never markup.
  EXPECT_EQ(xml_escape("&amp;"), "&amp;amp;");
}

TEST(Text, XmlEscapeDropsOnlyTheControlCharactersXmlForbids) {
  const std::string in = std::string("a\x01") + '\0' + "b\tc\nd\re\x1f";
  EXPECT_EQ(xml_escape(in), "ab\tc\nd\re");
  // Bytes of UTF-8 sequences are kept as they are.
  EXPECT_EQ(xml_escape("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9");
}

TEST(Text, MarkdownCellNeverSplitsItsRow) {
  EXPECT_EQ(markdown_cell("a|b"), "a\\|b");
  EXPECT_EQ(markdown_cell("back\\slash"), "back\\\\slash");
  EXPECT_EQ(markdown_cell("two\nlines\r\there"), "two lines  here");
  EXPECT_EQ(markdown_cell("<b>&</b>"), "\\<b\\>\\&\\</b\\>");
  EXPECT_EQ(markdown_cell(""), "");
}

}  // namespace
}  // namespace feather
