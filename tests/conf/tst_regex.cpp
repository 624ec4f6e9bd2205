// The PCRE2 wrapper. Compile errors are worded as nginx 1.22.1 words them (recorded with
// `location ~ ...` in the location_regex_* conf cases).

#include "engine/conf/regex.h"

#include <QTest>

using namespace restyscope::engine::conf;

class TestRegex : public QObject
{
    Q_OBJECT

private slots:
    void compileErrors_data()
    {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("error");
        QTest::newRow("paren") << "("
                               << "pcre2_compile() failed: missing closing parenthesis in \"(\"";
        QTest::newRow("paren inside")
            << "a(b"
            << "pcre2_compile() failed: missing closing parenthesis in \"a(b\"";
        QTest::newRow("class")
            << "[a"
            << "pcre2_compile() failed: missing terminating ] for character class in \"[a\"";
        QTest::newRow("quantifier") << "a**b"
                                    << "pcre2_compile() failed: quantifier does not follow a "
                                       "repeatable item in \"a**b\" at \"*b\"";
    }

    void compileErrors()
    {
        QFETCH(QString, pattern);
        QFETCH(QString, error);
        std::string message;
        QVERIFY(!Regex::compile(pattern.toStdString(), Regex::NoOptions, &message));
        QCOMPARE(QString::fromStdString(message), error);
    }

    void captures()
    {
        std::string error;
        const auto regex =
            Regex::compile(R"(^/(?<a>\w+)/(x)?(?<c>\d+)?$)", Regex::NoOptions, &error);
        QVERIFY2(regex, error.c_str());
        QCOMPARE(regex->captureCount(), 3);
        QCOMPARE(regex->namedGroups().size(), std::size_t(2));
        QCOMPARE(regex->namedGroups()[0].name, std::string("a"));
        QCOMPARE(regex->namedGroups()[0].number, 1);
        QCOMPARE(regex->namedGroups()[1].name, std::string("c"));
        QCOMPARE(regex->namedGroups()[1].number, 3);

        std::array<std::size_t, 8> ovector{};
        QCOMPARE(regex->match("/abc/", 0, ovector), 2); // groups 2 and 3 did not take part
        QCOMPARE(ovector[0], std::size_t(0));
        QCOMPARE(ovector[1], std::size_t(5));
        QCOMPARE(ovector[2], std::size_t(1));
        QCOMPARE(ovector[3], std::size_t(4));
        QCOMPARE(ovector[4], Regex::npos);
        QCOMPARE(ovector[6], Regex::npos);

        QCOMPARE(regex->match("/abc/12", 0, ovector), 4);
        QCOMPARE(ovector[4], Regex::npos); // (x)? skipped in the middle
        QCOMPARE(ovector[6], std::size_t(5));
        QCOMPARE(ovector[7], std::size_t(7));

        QCOMPARE(regex->match("abc", 0, ovector), 0);
        QVERIFY(!regex->matches("/a/b/c"));
    }

    void options()
    {
        QVERIFY(!Regex::compile("abc", Regex::NoOptions)->matches("ABC"));
        QVERIFY(Regex::compile("abc", Regex::Caseless)->matches("xABCx"));
        QVERIFY(Regex::compile("^b", Regex::Multiline)->matches("a\nb"));
        QVERIFY(!Regex::compile("^b", Regex::NoOptions)->matches("a\nb"));
        QVERIFY(Regex::compile("a.b", Regex::DotAll)->matches("a\nb"));
        QVERIFY(Regex::compile("a b # comment", Regex::Extended)->matches("ab"));
        QVERIFY(!Regex::compile("b", Regex::Anchored)->matches("ab"));
        QVERIFY(Regex::compile("^.$", Regex::Utf)->matches("\xc3\xa9"));
        QVERIFY(!Regex::compile("^.$", Regex::NoOptions)->matches("\xc3\xa9"));
        QVERIFY(Regex::compile("(?<n>a)|(?<n>b)", Regex::DupNames));
        QVERIFY(!Regex::compile("(?<n>a)|(?<n>b)", Regex::NoOptions));
        const auto interpreted = Regex::compile("a+", Regex::NoJit);
        QVERIFY(!interpreted->jitted());
        QVERIFY(interpreted->matches("caab"));
    }

    void startOffset()
    {
        const auto regex = Regex::compile("\\d+", Regex::NoOptions);
        std::array<std::size_t, 2> ovector{};
        const std::string subject = "a12b345";
        QCOMPARE(regex->match(subject, 0, ovector), 1);
        QCOMPARE(ovector[0], std::size_t(1));
        QCOMPARE(regex->match(subject, ovector[1], ovector), 1);
        QCOMPARE(ovector[0], std::size_t(4));
        QCOMPARE(ovector[1], std::size_t(7));
        QCOMPARE(regex->match(subject, 7, ovector), 0);
        // A short ovector keeps only what fits; an empty one just tells whether it matched.
        QCOMPARE(regex->match(subject, 0, {}), 1);
        QVERIFY(Regex::compile("")->matches(std::string_view()));
    }
};

QTEST_GUILESS_MAIN(TestRegex)
#include "tst_regex.moc"
