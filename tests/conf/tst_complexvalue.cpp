// nginx complex values ($name, ${name}, $1..$9). The parsing rules and error texts follow
// ngx_http_script_compile in nginx 1.22.1; the recorded conf cases (return_bad_*) show
// nginx printing the same errors.

#include "engine/conf/complexvalue.h"

#include <QTest>

using namespace restyscope::engine::conf;

namespace {

// "text" for literals, "$name" for variables, joined with '|'.
QString dump(const ComplexValue& value)
{
    QStringList parts;
    for (const ComplexValue::Segment& segment : value.segments()) {
        parts << (segment.variable ? QStringLiteral("$") : QString()) +
                     QString::fromStdString(segment.text);
    }
    return parts.join(QLatin1Char('|'));
}

std::optional<std::string> lookup(std::string_view name)
{
    if (name == "uri") {
        return "/p";
    }
    if (name == "arg_a") {
        return "A";
    }
    if (name == "1") {
        return "one";
    }
    if (name == "missing") {
        return std::nullopt;
    }
    return "<" + std::string(name) + ">";
}

} // namespace

class TestComplexValue : public QObject
{
    Q_OBJECT

private slots:
    void compile_data()
    {
        QTest::addColumn<QString>("raw");
        QTest::addColumn<QString>("segments");
        QTest::addColumn<bool>("constant");
        QTest::addColumn<QString>("value");

        QTest::newRow("literal") << "lua/a.lua"
                                 << "lua/a.lua" << true << "lua/a.lua";
        QTest::newRow("empty") << ""
                               << "" << true << "";
        QTest::newRow("variable") << "$uri"
                                  << "$uri" << false << "/p";
        QTest::newRow("mixed") << "lua/$uri.lua"
                               << "lua/|$uri|.lua" << false << "lua//p.lua";
        QTest::newRow("braces") << "${uri}x"
                                << "$uri|x" << false << "/px";
        QTest::newRow("lowercased") << "$URI/$Arg_A"
                                    << "$uri|/|$arg_a" << false << "/p/A";
        QTest::newRow("name stops at other chars") << "$uri.x-$arg_a"
                                                   << "$uri|.x-|$arg_a" << false << "/p.x-A";
        QTest::newRow("capture") << "lua/$1.lua"
                                 << "lua/|$1|.lua" << false << "lua/one.lua";
        QTest::newRow("one digit only") << "$10"
                                        << "$1|0" << false << "one0";
        QTest::newRow("dollar zero is a name") << "$0"
                                               << "$0" << false << "<0>";
        QTest::newRow("underscore names") << "$_x1"
                                          << "$_x1" << false << "<_x1>";
        QTest::newRow("unknown is empty") << "[$missing]"
                                          << "[|$missing|]" << false << "[]";
        QTest::newRow("adjacent") << "$uri$uri"
                                  << "$uri|$uri" << false << "/p/p";
    }

    void compile()
    {
        QFETCH(QString, raw);
        QFETCH(QString, segments);
        QFETCH(bool, constant);
        QFETCH(QString, value);
        std::string error;
        const auto compiled = ComplexValue::compile(raw.toStdString(), &error);
        QVERIFY2(compiled, error.c_str());
        QCOMPARE(QString::fromStdString(compiled->raw()), raw);
        QCOMPARE(dump(*compiled), segments);
        QCOMPARE(compiled->isConstant(), constant);
        QCOMPARE(QString::fromStdString(compiled->evaluate(lookup)), value);
    }

    void errors_data()
    {
        QTest::addColumn<QString>("raw");
        QTest::addColumn<QString>("error");
        QTest::newRow("trailing dollar") << "a$"
                                         << "invalid variable name";
        QTest::newRow("lone dollar") << "$"
                                     << "invalid variable name";
        QTest::newRow("not a name") << "$-"
                                    << "invalid variable name";
        QTest::newRow("open brace at end") << "${"
                                           << "invalid variable name";
        QTest::newRow("empty braces") << "${}"
                                      << "invalid variable name";
        QTest::newRow("unclosed") << "${a"
                                  << "the closing bracket in \"a\" variable is missing";
        QTest::newRow("bad char in braces") << "${a-b}"
                                            << "the closing bracket in \"a\" variable is missing";
    }

    void errors()
    {
        QFETCH(QString, raw);
        QFETCH(QString, error);
        std::string message;
        QVERIFY(!ComplexValue::compile(raw.toStdString(), &message));
        QCOMPARE(QString::fromStdString(message), error);
    }

    void literal()
    {
        const ComplexValue value = ComplexValue::literal("lua/$x.lua");
        QVERIFY(value.isConstant());
        QCOMPARE(value.evaluate(lookup), std::string("lua/$x.lua"));
        QCOMPARE(ComplexValue().evaluate(lookup), std::string());
        // No lookup given: variables are empty.
        QCOMPARE(ComplexValue::compile("a$uri")->evaluate({}), std::string("a"));
    }
};

QTEST_GUILESS_MAIN(TestComplexValue)
#include "tst_complexvalue.moc"
