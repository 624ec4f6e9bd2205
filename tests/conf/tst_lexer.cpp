// The conf tokenizer: nginx's words, quotes, escapes and comments, and lua-nginx-module's
// reading of *_by_lua_block bodies. Word and error expectations follow what nginx 1.22.1
// did with the same text (served and requested, or `nginx -t`); the Lua code keys were
// recorded from nginx's debug log ("code cache lookup (key='content_by_lua_nhli_MD5')"),
// so the code text read here is byte for byte the one lua-nginx-module hashes.

#include "engine/conf/lexer.h"

#include <QCryptographicHash>
#include <QTest>

using namespace restyscope::engine::conf;

namespace {

QString resultName(Lexer::Result result)
{
    switch (result) {
    case Lexer::Result::Directive: return QStringLiteral(";");
    case Lexer::Result::BlockStart: return QStringLiteral("{");
    case Lexer::Result::BlockEnd: return QStringLiteral("}");
    case Lexer::Result::EndOfFile: return QStringLiteral("eof");
    case Lexer::Result::Error: return QStringLiteral("error");
    }
    return {};
}

QByteArray joined(const std::vector<std::string>& words)
{
    QByteArrayList list;
    for (const std::string& word : words) {
        list << QByteArray::fromStdString(word);
    }
    return list.join('|');
}

// Reads "x_by_lua_block {" from `text`, then the Lua block.
Lexer::Result readBlock(Lexer& lexer, std::string& code)
{
    std::vector<std::string> words;
    if (lexer.next(words) != Lexer::Result::BlockStart) {
        return Lexer::Result::Error;
    }
    return lexer.readLuaBlock(code);
}

} // namespace

class TestLexer : public QObject
{
    Q_OBJECT

private slots:
    void words_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QByteArray>("words"); // joined with '|'
        QTest::addColumn<QString>("end");

        QTest::newRow("plain") << QByteArray("listen 80;") << QByteArray("listen|80") << ";";
        QTest::newRow("spaces and tabs")
            << QByteArray(" \t\r\n key \t value\n;") << QByteArray("key|value") << ";";
        QTest::newRow("block") << QByteArray("location /a {") << QByteArray("location|/a") << "{";
        QTest::newRow("block no space") << QByteArray("http{") << QByteArray("http") << "{";
        QTest::newRow("terminator glued") << QByteArray("a b;c") << QByteArray("a|b") << ";";
        QTest::newRow("double quoted escapes")
            << QByteArray("return 200 \"a\\\"b\\'c\\\\d\\te\\rf\\ng\\xh\";")
            << QByteArray("return|200|a\"b'c\\d\te\rf\ng\\xh") << ";";
        QTest::newRow("single quoted escapes")
            << QByteArray("return 200 'a\\\"b\\'c\\\\d\\te\\rf\\ng\\xh';")
            << QByteArray("return|200|a\"b'c\\d\te\rf\ng\\xh") << ";";
        QTest::newRow("unquoted escapes")
            << QByteArray("return 200 a\\\"b\\'c\\\\d\\te\\rf\\ng\\xh\\ i;")
            << QByteArray("return|200|a\"b'c\\d\te\rf\ng\\xh\\ i") << ";";
        QTest::newRow("quote inside a word")
            << QByteArray("return 200 a\"b'c;") << QByteArray("return|200|a\"b'c") << ";";
        QTest::newRow("brace inside a word")
            << QByteArray("return 200 ab}c;") << QByteArray("return|200|ab}c") << ";";
        QTest::newRow("variables") << QByteArray("return 200 ${uri}x$uri#not;")
                                   << QByteArray("return|200|${uri}x$uri#not") << ";";
        QTest::newRow("variable brace in quotes")
            << QByteArray("return 200 \"$uri{a}\";") << QByteArray("return|200|$uri{a}") << ";";
        QTest::newRow("newline in quotes") << QByteArray("return 200 \"multi\nline\";")
                                           << QByteArray("return|200|multi\nline") << ";";
        QTest::newRow("hash inside a word")
            << QByteArray("return 200 a#b;") << QByteArray("return|200|a#b") << ";";
        QTest::newRow("empty quoted")
            << QByteArray("return 200 \"\";") << QByteArray("return|200|") << ";";
        QTest::newRow("escaped semicolon")
            << QByteArray("return 200 x\\;y;") << QByteArray("return|200|x\\;y") << ";";
        QTest::newRow("paren after quote")
            << QByteArray("if ($a = \"b\") {") << QByteArray("if|($a|=|b|)") << "{";
        QTest::newRow("comments") << QByteArray("# one { \"\n  # two\nkey value; # three")
                                  << QByteArray("key|value") << ";";
        QTest::newRow("block end") << QByteArray("  }") << QByteArray() << "}";
        QTest::newRow("end of file") << QByteArray("  # only a comment") << QByteArray() << "eof";
        QTest::newRow("empty") << QByteArray() << QByteArray() << "eof";
        QTest::newRow("word of 4095 bytes")
            << QByteArray(4095, 'x') + ';' << QByteArray(4095, 'x') << ";";
    }

    void words()
    {
        QFETCH(QByteArray, text);
        QFETCH(QByteArray, words);
        QFETCH(QString, end);
        Lexer lexer(std::string_view(text.constData(), std::size_t(text.size())));
        std::vector<std::string> read;
        QCOMPARE(resultName(lexer.next(read)), end);
        QCOMPARE(joined(read), words);
    }

    void lines()
    {
        Lexer lexer("a 1;\n\nb {\n  c \"x\ny\"\n;\n}\n");
        std::vector<std::string> words;
        QCOMPARE(lexer.next(words), Lexer::Result::Directive);
        QCOMPARE(lexer.line(), 1);
        QCOMPARE(lexer.next(words), Lexer::Result::BlockStart);
        QCOMPARE(lexer.line(), 3);
        QCOMPARE(lexer.next(words), Lexer::Result::Directive); // the line of the ';'
        QCOMPARE(lexer.line(), 6);
        QCOMPARE(lexer.next(words), Lexer::Result::BlockEnd);
        QCOMPARE(lexer.line(), 7);
        QCOMPARE(lexer.next(words), Lexer::Result::EndOfFile);
        QCOMPARE(lexer.line(), 8);
    }

    void errors_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("message");
        QTest::addColumn<int>("line");

        QTest::newRow("eof in directive")
            << QByteArray("a b") << "unexpected end of file, expecting \";\" or \"}\"" << 1;
        QTest::newRow("eof in quotes")
            << QByteArray("a \"b\n\n") << "unexpected end of file, expecting \";\" or \"}\"" << 3;
        QTest::newRow("word after quote") << QByteArray("a \"b\"c;") << "unexpected \"c\"" << 1;
        QTest::newRow("quote after quote") << QByteArray("a 'b''c';") << "unexpected \"'\"" << 1;
        QTest::newRow("lone semicolon") << QByteArray("\n;") << "unexpected \";\"" << 2;
        QTest::newRow("lone brace") << QByteArray("{") << "unexpected \"{\"" << 1;
        QTest::newRow("brace after words") << QByteArray("a b }") << "unexpected \"}\"" << 1;
        QTest::newRow("word of 4096 bytes")
            << QByteArray(4096, 'x') + ';' << "too long parameter \"xxxxxxxxxx...\" started" << 1;
        QTest::newRow("unterminated quote")
            << QByteArray("\nkey \"") + QByteArray(5000, 'y')
            << "too long parameter, probably missing terminating \"\"\" character" << 2;
        QTest::newRow("unterminated single quote")
            << QByteArray("key '") + QByteArray(5000, 'y')
            << "too long parameter, probably missing terminating \"'\" character" << 1;
        QTest::newRow("long comment") << QByteArray("# ") + QByteArray(5000, 'z')
                                      << "too long parameter \"# zzzzzzzz...\" started" << 1;
    }

    void errors()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, message);
        QFETCH(int, line);
        Lexer lexer(std::string_view(text.constData(), std::size_t(text.size())));
        std::vector<std::string> words;
        Lexer::Result result;
        do {
            result = lexer.next(words);
        } while (result == Lexer::Result::Directive || result == Lexer::Result::BlockStart);
        QCOMPARE(result, Lexer::Result::Error);
        QCOMPARE(QString::fromStdString(lexer.errorMessage()), message);
        QCOMPARE(lexer.errorLine(), line);
    }

    void luaBlock_data()
    {
        QTest::addColumn<QByteArray>("body"); // after "x_by_lua_block {"
        QTest::addColumn<QByteArray>("code");
        QTest::addColumn<QByteArray>("rest"); // the next directive after the block

        QTest::newRow("exact text kept") << QByteArray("\n  ngx.say(1)\n  } next;")
                                         << QByteArray("\n  ngx.say(1)\n  ") << QByteArray("next");
        QTest::newRow("nested tables") << QByteArray(" local t = {a = {1}} } next;")
                                       << QByteArray(" local t = {a = {1}} ") << QByteArray("next");
        QTest::newRow("braces in strings")
            << QByteArray(" a = \"}\" .. '{' .. \"\\\"}\" .. '\\'}' } next;")
            << QByteArray(" a = \"}\" .. '{' .. \"\\\"}\" .. '\\'}' ") << QByteArray("next");
        QTest::newRow("braces in comments")
            << QByteArray(" -- } {\n --[[ } ]] --[==[ }\n ]] ]==] } next;")
            << QByteArray(" -- } {\n --[[ } ]] --[==[ }\n ]] ]==] ") << QByteArray("next");
        QTest::newRow("braces in long strings")
            << QByteArray(" s = [[}]] .. [=[ ]] } ]=] } next;")
            << QByteArray(" s = [[}]] .. [=[ ]] } ]=] ") << QByteArray("next");
        QTest::newRow("stray closing bracket")
            << QByteArray(" x = t[a[1]] ]=] } next;") << QByteArray(" x = t[a[1]] ]=] ")
            << QByteArray("next");
        QTest::newRow("line comment ending the line")
            << QByteArray(" f() --[= not long }\n } next;") << QByteArray(" f() --[= not long }\n ")
            << QByteArray("next");
        // A string does not continue across a newline: its quote is plain text, so the
        // '}' after it ends the block.
        QTest::newRow("string broken by newline")
            << QByteArray(" s = \"a\n} next;") << QByteArray(" s = \"a\n") << QByteArray("next");
        QTest::newRow("empty") << QByteArray("} next;") << QByteArray() << QByteArray("next");
        QTest::newRow("semicolons and hashes")
            << QByteArray(" a(); # b; } next;") << QByteArray(" a(); # b; ") << QByteArray("next");
    }

    void luaBlock()
    {
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, code);
        QFETCH(QByteArray, rest);
        const QByteArray text = "content_by_lua_block {" + body;
        Lexer lexer(std::string_view(text.constData(), std::size_t(text.size())));
        std::string read;
        QCOMPARE(readBlock(lexer, read), Lexer::Result::BlockEnd);
        QCOMPARE(QByteArray::fromStdString(read), code);
        std::vector<std::string> words;
        lexer.next(words);
        QVERIFY(!words.empty());
        QCOMPARE(QByteArray::fromStdString(words.front()), rest);
    }

    void luaBlockLines()
    {
        Lexer lexer("x_by_lua_block {\n a = [[\n\n]] -- c\n b = {\n }\n}\nnext;\n");
        std::string code;
        QCOMPARE(readBlock(lexer, code), Lexer::Result::BlockEnd);
        QCOMPARE(lexer.line(), 7);
        std::vector<std::string> words;
        QCOMPARE(lexer.next(words), Lexer::Result::Directive);
        QCOMPARE(lexer.line(), 8);
    }

    void luaBlockErrors_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("message");
        QTest::addColumn<int>("line");
        const QString eof = QStringLiteral(
            "unexpected end of file, expecting terminating characters for lua code block");

        QTest::newRow("long string") << QByteArray("\n  ngx.say([[hello)\n  }\n")
                                     << "Lua code block missing the closing long bracket \"]]\", "
                                        "the inlined Lua code may be too long"
                                     << 2;
        QTest::newRow("long string with level")
            << QByteArray("\n\n  s = [==[ ]] ]=] }\n")
            << "Lua code block missing the closing long bracket \"]==]\", the inlined Lua code may "
               "be too long"
            << 3;
        QTest::newRow("long comment") << QByteArray("\n  --[=[ x ]] }\n")
                                      << "Lua code block missing the closing long bracket \"]=]\", "
                                         "the inlined Lua code may be too long"
                                      << 2;
        // The line reported is that of the last '{' read.
        QTest::newRow("eof") << QByteArray("\n a = 1\n") << eof << 1;
        QTest::newRow("eof after inner brace") << QByteArray("\n t = {\n\n") << eof << 2;
        QTest::newRow("eof in string") << QByteArray("\n s = \"abc\n") << eof << 1;
        // An unterminated string is no string: the '}' after its quote ends the block.
        QTest::newRow("eof after inner brace in string") << QByteArray("\n s = \"{\n") << eof << 2;
        QTest::newRow("too long")
            << QByteArray("\n") + QByteArray("    local a = b + c\n").repeated(300) + "}\n" +
                   QByteArray("# filler\n").repeated(600)
            << "too long lua code block, probably missing terminating characters" << 1;
    }

    void luaBlockErrors()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, message);
        QFETCH(int, line);
        const QByteArray text = "x_by_lua_block {" + body;
        Lexer lexer(std::string_view(text.constData(), std::size_t(text.size())));
        std::string code;
        QCOMPARE(readBlock(lexer, code), Lexer::Result::Error);
        QCOMPARE(QString::fromStdString(lexer.errorMessage()), message);
        QCOMPARE(lexer.errorLine(), line);
    }

    void luaBufferWindow()
    {
        // A string cut by the end of nginx's 4096-byte buffer does not match as a string,
        // so a '}' inside it ends the block (what nginx 1.22.1 does, see the
        // lua_block_string_across_buffer case).
        QByteArray text = "content_by_lua_block {\n";
        while (text.size() + 20 < 4086) {
            text += "    local a = b + c\n";
        }
        text += QByteArray(4086 - text.size(), ' ');
        text += "x = \"}}}}}}}}}}}}}}}}}\"\n}\n";
        Lexer lexer(std::string_view(text.constData(), std::size_t(text.size())));
        std::string code;
        QCOMPARE(readBlock(lexer, code), Lexer::Result::BlockEnd);
        // The block ends at the first '}' (offset 4091); the code runs from offset 22.
        QCOMPARE(code.size(), std::size_t(4091 - 22));
        QVERIFY(QByteArray::fromStdString(code).endsWith("x = \""));
    }

    void luaCacheKeys_data()
    {
        QTest::addColumn<QByteArray>("block"); // "{...}" as written after content_by_lua_block
        QTest::addColumn<QByteArray>("md5");
        QTest::newRow("block 0") << QByteArray("{\nerror(\"same code\")\n            }")
                                 << QByteArray("5ccce5e4833b79357a77567de5414cbd");
        QTest::newRow("block 1") << QByteArray("{ngx.say(\"hello\", {\"!\"})}")
                                 << QByteArray("88c1a94345a6b3d6dbb94af78ed51bf1");
        QTest::newRow("block 2") << QByteArray("{\n        local s = \"}\\\"{\" .. '\\'}' -- } "
                                               "comment {\n        ngx.say(s)\n    }")
                                 << QByteArray("dee5b545abeecef3b9b8949320ec24bb");
        QTest::newRow("block 3")
            << QByteArray(
                   "{ --[[ }\n multi ]] local t = [==[ } ]] ]=] ]==] ngx.say(t) --[=[ x ]=] }")
            << QByteArray("2e7711dee3844c44eb42ab7acd08813a");
        QTest::newRow("block 4") << QByteArray("{\r\n    ngx.say(\"crlf\")\r\n}")
                                 << QByteArray("7b50015d6d236f006816b9d745fcc121");
        QTest::newRow("block 5") << QByteArray("{ local t = { a = { b = \"}\" } } ngx.say(t.a.b) }")
                                 << QByteArray("d05ab90720986b68cc478ef5507320d2");
        QTest::newRow("block 6")
            << QByteArray("{\n    ngx.say([[\n}]]) -- \"unterminated\n    ngx.say('it\\'s')\n}")
            << QByteArray("31c4484695ea1cc89ef943f0c9962d09");
    }

    void luaCacheKeys()
    {
        QFETCH(QByteArray, block);
        QFETCH(QByteArray, md5);
        const QByteArray text = "content_by_lua_block " + block + "\nnext;";
        Lexer lexer(std::string_view(text.constData(), std::size_t(text.size())));
        std::string code;
        QCOMPARE(readBlock(lexer, code), Lexer::Result::BlockEnd);
        QCOMPARE(QCryptographicHash::hash(QByteArray::fromStdString(code), QCryptographicHash::Md5)
                     .toHex(),
                 md5);
    }
};

QTEST_GUILESS_MAIN(TestLexer)
#include "tst_lexer.moc"
