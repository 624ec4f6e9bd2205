// The replacement template of ngx.re.sub/gsub: parsing ($N, ${N}, $$, invalid forms) and
// expansion against an offset vector (unset and missing captures expand to nothing).

#include "engine/api/regextemplate.h"

#include <QtTest>

#include <vector>

using namespace restyscope::engine::api;

class TestRegexTemplate : public QObject
{
    Q_OBJECT

private slots:
    void expand_data()
    {
        QTest::addColumn<QByteArray>("tpl");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QByteArray>("expected"); // the expansion, or the error nginx logs
        // Subject "abcd", match "bc" at 1..3, group 1 "b", group 2 unset.
        QTest::newRow("literal") << QByteArray("xyz") << true << QByteArray("xyz");
        QTest::newRow("empty") << QByteArray("") << true << QByteArray("");
        QTest::newRow("whole match") << QByteArray("<$0>") << true << QByteArray("<bc>");
        QTest::newRow("group") << QByteArray("$1$1") << true << QByteArray("bb");
        QTest::newRow("braced") << QByteArray("${1}x") << true << QByteArray("bx");
        QTest::newRow("dollar") << QByteArray("$$1") << true << QByteArray("$1");
        QTest::newRow("unset group") << QByteArray("[$2]") << true << QByteArray("[]");
        QTest::newRow("missing group") << QByteArray("[$9]") << true << QByteArray("[]");
        QTest::newRow("multi-digit") << QByteArray("[$10]") << true << QByteArray("[]");
        QTest::newRow("leading zero") << QByteArray("$01") << true << QByteArray("b");
        // Errors as nginx 1.22.1 with lua-nginx-module 0.10.23 logs them.
        QTest::newRow("lone dollar")
            << QByteArray("$") << false
            << QByteArray("lua script: invalid capturing variable name found in \"$\"");
        QTest::newRow("trailing dollar")
            << QByteArray("x$") << false
            << QByteArray("lua script: invalid capturing variable name found in \"x$\"");
        QTest::newRow("letter") << QByteArray("$a") << false
                                << QByteArray("attempt to use named capturing variable \"a\" "
                                              "(named captures not supported yet)");
        QTest::newRow("unclosed brace")
            << QByteArray("${1") << false
            << QByteArray("the closing bracket in \"1\" variable is missing");
        QTest::newRow("named") << QByteArray("${name}") << false
                               << QByteArray("attempt to use named capturing variable \"name\" "
                                             "(named captures not supported yet)");
        QTest::newRow("empty braces")
            << QByteArray("${}") << false
            << QByteArray("lua script: invalid capturing variable name found in \"${}\"");
    }
    void expand()
    {
        QFETCH(QByteArray, tpl);
        QFETCH(bool, valid);
        QFETCH(QByteArray, expected);
        std::string error;
        const auto compiled = compileReplaceTemplate(tpl.toStdString(), &error);
        QCOMPARE(compiled.has_value(), valid);
        if (!compiled) {
            QCOMPARE(QByteArray::fromStdString(error), expected);
            return;
        }
        const std::size_t unset = static_cast<std::size_t>(-1);
        const std::vector<std::size_t> ov = {1, 3, 1, 2, unset, unset};
        std::string out;
        expandReplaceTemplate(*compiled, "abcd", ov, 2, out);
        QCOMPARE(QByteArray::fromStdString(out), expected);
    }
};

QTEST_APPLESS_MAIN(TestRegexTemplate)
#include "tst_regextemplate.moc"
