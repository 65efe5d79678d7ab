//! The whole pipeline (compile, then validate) on small schemas, one feature at a time. Every
//! "rejects" case has an "accepts" twin so neither passes vacuously.

use super::*;

const NS: &str = "urn:t";

fn schema(body: &str) -> Schema {
    Schema::compile(&wrap(body), &[]).unwrap_or_else(|e| panic!("{e}"))
}

fn wrap(body: &str) -> String {
    format!(
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="{NS}" targetNamespace="{NS}" elementFormDefault="qualified">{body}</xs:schema>"#
    )
}

fn compile_err(body: &str) -> String {
    match Schema::compile(&wrap(body), &[]) {
        Ok(_) => panic!("schema compiled: {body}"),
        Err(e) => {
            assert_eq!(e.code(), Code::Internal);
            e.to_string()
        }
    }
}

/// Validate `<r xmlns="urn:t">inner</r>` (or a full document when `inner` starts with '<?').
fn check(s: &Schema, doc: &str) -> Vec<Violation> {
    s.validate(doc, 50).unwrap_or_else(|e| panic!("{e}"))
}

fn valid(s: &Schema, doc: &str) {
    let v = check(s, doc);
    assert!(v.is_empty(), "{doc}\n{v:#?}");
}

fn invalid(s: &Schema, doc: &str, rule: &str) {
    let v = check(s, doc);
    assert!(
        v.iter().any(|x| x.rule == rule),
        "{doc}: expected a {rule} violation, got {v:#?}"
    );
}

fn r(inner: &str) -> String {
    format!(r#"<r xmlns="{NS}">{inner}</r>"#)
}

fn ra(attrs: &str, inner: &str) -> String {
    format!(r#"<r xmlns="{NS}" {attrs}>{inner}</r>"#)
}

#[test]
fn sequence_choice_and_occurrences() {
    let s = schema(
        r#"<xs:element name="r"><xs:complexType><xs:sequence>
             <xs:element name="a" type="xs:string"/>
             <xs:choice minOccurs="0" maxOccurs="unbounded">
               <xs:element name="b" type="xs:string"/>
               <xs:element name="c" type="xs:string"/>
             </xs:choice>
             <xs:element name="d" type="xs:string" minOccurs="2" maxOccurs="3"/>
           </xs:sequence></xs:complexType></xs:element>"#,
    );
    valid(&s, &r("<a/><d/><d/>"));
    valid(&s, &r("<a/><b/><c/><b/><d/><d/><d/>"));
    invalid(&s, &r("<d/><d/>"), "unexpected-element");
    invalid(&s, &r("<a/><d/>"), "missing-element");
    invalid(&s, &r("<a/><d/><d/><d/><d/>"), "unexpected-element");
    invalid(&s, &r("<a/><d/><d/><b/>"), "unexpected-element");
    invalid(&s, &r("<a/>text<d/><d/>"), "text-not-allowed");
    valid(&s, &r("<a/> <!-- comment --> <?pi x?> <d/><d/>"));
    let v = check(&s, &r("<a/><x/><d/><d/>"));
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].path, "/r/x");
    assert!(v[0].message.contains("b, c, d"), "{}", v[0].message);
}

#[test]
fn named_groups_all_groups_and_refs() {
    let s = schema(
        r#"<xs:group name="g"><xs:sequence><xs:element name="a" type="xs:int"/><xs:element ref="t:e" minOccurs="0"/></xs:sequence></xs:group>
           <xs:element name="e" type="xs:boolean"/>
           <xs:element name="r"><xs:complexType><xs:sequence>
             <xs:group ref="t:g" maxOccurs="2"/>
             <xs:element name="x"><xs:complexType><xs:all>
               <xs:element name="p" type="xs:string"/>
               <xs:element name="q" type="xs:string" minOccurs="0"/>
             </xs:all></xs:complexType></xs:element>
           </xs:sequence></xs:complexType></xs:element>"#,
    );
    valid(&s, &r("<a>1</a><e>true</e><a>2</a><x><q/><p/></x>"));
    valid(&s, &r("<a>1</a><x><p/></x>"));
    invalid(&s, &r("<a>1</a><x><q/></x>"), "missing-element");
    invalid(&s, &r("<a>1</a><x><p/><p/></x>"), "unexpected-element");
    invalid(&s, &r("<a>x</a><x><p/></x>"), "type:int");
    invalid(&s, &r("<a>1</a><e>yes</e><x><p/></x>"), "type:boolean");
    // A global element is also a valid document element.
    valid(&s, &format!(r#"<e xmlns="{NS}">0</e>"#));
    invalid(&s, &format!(r#"<zz xmlns="{NS}"/>"#), "undeclared-element");
}

#[test]
fn attributes_use_default_fixed_groups_and_wildcards() {
    let s = schema(
        r#"<xs:attributeGroup name="ag"><xs:attribute name="g" type="xs:positiveInteger"/></xs:attributeGroup>
           <xs:element name="r"><xs:complexType>
             <xs:attribute name="req" type="xs:token" use="required"/>
             <xs:attribute name="fix" type="xs:decimal" fixed="1.5"/>
             <xs:attribute name="def" type="xs:boolean" default="false"/>
             <xs:attributeGroup ref="t:ag"/>
             <xs:anyAttribute namespace='##other' processContents="skip"/>
           </xs:complexType></xs:element>"#,
    );
    valid(&s, &ra(r#"req="a""#, ""));
    valid(&s, &ra(r#"req="a" fix="01.50" def="1" g="3""#, ""));
    invalid(&s, &ra("", ""), "missing-attribute");
    invalid(&s, &ra(r#"req="a" fix="2""#, ""), "fixed");
    invalid(&s, &ra(r#"req="a" g="0""#, ""), "type:positiveInteger");
    invalid(&s, &ra(r#"req="a" other="1""#, ""), "unexpected-attribute");
    valid(&s, &ra(r#"req="a" xmlns:o="urn:o" o:other="1""#, ""));
    invalid(
        &s,
        &ra(r#"req="a" xmlns:o="urn:t" o:other="1""#, ""),
        "unexpected-attribute",
    );
    // xsi attributes are always allowed; xsi:nil only on nillable elements.
    valid(
        &s,
        &ra(
            r#"req="a" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:t t.xsd""#,
            "",
        ),
    );
    invalid(
        &s,
        &ra(
            r#"req="a" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="false""#,
            "",
        ),
        "nil",
    );
    let v = check(&s, &ra(r#"req="a" g="-1""#, ""));
    assert_eq!(v[0].path, "/r/@g");
}

#[test]
fn simple_types_restrictions_lists_and_unions() {
    let s = schema(
        r#"<xs:simpleType name="code"><xs:restriction base="xs:string">
             <xs:pattern value="[A-Z]{2}"/><xs:pattern value="[0-9]{3}"/>
           </xs:restriction></xs:simpleType>
           <xs:simpleType name="narrow"><xs:restriction base="t:code"><xs:enumeration value="AB"/><xs:enumeration value="123"/></xs:restriction></xs:simpleType>
           <xs:simpleType name="pct"><xs:restriction base="xs:decimal"><xs:minInclusive value="0"/><xs:maxExclusive value="100"/><xs:fractionDigits value="2"/></xs:restriction></xs:simpleType>
           <xs:simpleType name="ints"><xs:list itemType="xs:int"/></xs:simpleType>
           <xs:simpleType name="short-ints"><xs:restriction base="t:ints"><xs:maxLength value="2"/></xs:restriction></xs:simpleType>
           <xs:simpleType name="either"><xs:union memberTypes="xs:date t:code"><xs:simpleType><xs:restriction base="xs:token"><xs:enumeration value="never"/></xs:restriction></xs:simpleType></xs:union></xs:simpleType>
           <xs:simpleType name="name"><xs:restriction base="xs:normalizedString"><xs:minLength value="1"/><xs:maxLength value="4"/></xs:restriction></xs:simpleType>
           <xs:element name="r"><xs:complexType><xs:sequence>
             <xs:element name="code" type="t:code" minOccurs="0"/>
             <xs:element name="narrow" type="t:narrow" minOccurs="0"/>
             <xs:element name="pct" type="t:pct" minOccurs="0"/>
             <xs:element name="ints" type="t:short-ints" minOccurs="0"/>
             <xs:element name="either" type="t:either" minOccurs="0"/>
             <xs:element name="name" type="t:name" minOccurs="0"/>
           </xs:sequence></xs:complexType></xs:element>"#,
    );
    valid(
        &s,
        &r(
            "<code>AB</code><narrow>123</narrow><pct> 99.99 </pct><ints> 1  -2 </ints><either>2024-02-29</either><name>a\tb</name>",
        ),
    );
    valid(&s, &r("<code>123</code><either> never </either>"));
    valid(&s, &r("<either>ZZ</either>"));
    invalid(&s, &r("<code>A1</code>"), "pattern");
    invalid(&s, &r("<narrow>CD</narrow>"), "enumeration");
    invalid(&s, &r("<narrow>12</narrow>"), "pattern");
    invalid(&s, &r("<pct>100</pct>"), "maxExclusive");
    invalid(&s, &r("<pct>-0.01</pct>"), "minInclusive");
    invalid(&s, &r("<pct>1.125</pct>"), "fractionDigits");
    invalid(&s, &r("<ints>1 2 3</ints>"), "maxLength");
    invalid(&s, &r("<ints>1 x</ints>"), "type:int");
    invalid(&s, &r("<either>2023-02-29</either>"), "union");
    invalid(&s, &r("<name></name>"), "minLength");
    invalid(&s, &r("<name>abcde</name>"), "maxLength");
    invalid(&s, &r("<code><b/>AB</code>"), "unexpected-element");
}

#[test]
fn element_defaults_and_fixed_values() {
    let s = schema(
        r#"<xs:element name="r"><xs:complexType><xs:sequence>
             <xs:element name="n" type="xs:integer" default="7" minOccurs="0"/>
             <xs:element name="f" type="xs:boolean" fixed="true" minOccurs="0"/>
           </xs:sequence></xs:complexType></xs:element>"#,
    );
    valid(&s, &r("<n/><f/>"));
    valid(&s, &r("<n>8</n><f>1</f>"));
    invalid(&s, &r("<n> </n>"), "type:integer");
    invalid(&s, &r("<f>false</f>"), "fixed");
    assert!(compile_err(r#"<xs:element name="r" type="xs:int" default="x"/>"#).contains("invalid"));
}

#[test]
fn complex_derivations() {
    let s = schema(
        r#"<xs:complexType name="base"><xs:sequence><xs:element name="a" type="xs:string"/></xs:sequence>
             <xs:attribute name="id" type="xs:string"/><xs:attribute name="gone" type="xs:string"/></xs:complexType>
           <xs:complexType name="ext"><xs:complexContent><xs:extension base="t:base">
             <xs:sequence><xs:element name="b" type="xs:string"/></xs:sequence>
             <xs:attribute name="more" type="xs:int"/>
           </xs:extension></xs:complexContent></xs:complexType>
           <xs:complexType name="res"><xs:complexContent><xs:restriction base="t:base">
             <xs:sequence><xs:element name="a" type="xs:string"/></xs:sequence>
             <xs:attribute name="gone" use="prohibited"/>
           </xs:restriction></xs:complexContent></xs:complexType>
           <xs:complexType name="price"><xs:simpleContent><xs:extension base="xs:decimal">
             <xs:attribute name="currency" type="xs:string" use="required"/>
           </xs:extension></xs:simpleContent></xs:complexType>
           <xs:complexType name="small-price"><xs:simpleContent><xs:restriction base="t:price">
             <xs:maxInclusive value="10"/>
           </xs:restriction></xs:simpleContent></xs:complexType>
           <xs:complexType name="note" mixed="true"><xs:sequence><xs:element name="em" type="xs:string" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType>
           <xs:element name="r"><xs:complexType><xs:sequence>
             <xs:element name="ext" type="t:ext" minOccurs="0"/>
             <xs:element name="res" type="t:res" minOccurs="0"/>
             <xs:element name="base" type="t:base" minOccurs="0"/>
             <xs:element name="price" type="t:small-price" minOccurs="0"/>
             <xs:element name="note" type="t:note" minOccurs="0"/>
           </xs:sequence></xs:complexType></xs:element>"#,
    );
    valid(
        &s,
        &r(
            r#"<ext id="1" more="2"><a/><b/></ext><res id="x"><a/></res><price currency="EUR">9.5</price><note>Hello <em>you</em>!</note>"#,
        ),
    );
    invalid(&s, &r("<ext><a/></ext>"), "missing-element");
    invalid(&s, &r("<ext><b/><a/></ext>"), "unexpected-element");
    invalid(
        &s,
        &r(r#"<res gone="1"><a/></res>"#),
        "unexpected-attribute",
    );
    invalid(
        &s,
        &r(r#"<price currency="EUR">11</price>"#),
        "maxInclusive",
    );
    invalid(&s, &r(r#"<price>1</price>"#), "missing-attribute");
    // xsi:type may pick a derived type, never an unrelated one.
    let xsi = r#"xmlns:t="urn:t" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance""#;
    valid(
        &s,
        &r(&format!(r#"<base {xsi} xsi:type="t:ext"><a/><b/></base>"#)),
    );
    invalid(
        &s,
        &r(&format!(r#"<base {xsi} xsi:type="t:ext"><a/></base>"#)),
        "missing-element",
    );
    invalid(
        &s,
        &r(&format!(r#"<base {xsi} xsi:type="t:price"><a/></base>"#)),
        "xsi-type",
    );
    invalid(
        &s,
        &r(&format!(r#"<base {xsi} xsi:type="t:nope"><a/></base>"#)),
        "xsi-type",
    );
}

#[test]
fn wildcards_strict_lax_skip() {
    let s = schema(
        r#"<xs:element name="known" type="xs:int"/>
           <xs:element name="r"><xs:complexType><xs:sequence>
             <xs:element name="lax"><xs:complexType><xs:sequence><xs:any processContents="lax" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>
             <xs:element name="strict"><xs:complexType><xs:sequence><xs:any namespace='##targetNamespace' processContents="strict" minOccurs="0"/></xs:sequence></xs:complexType></xs:element>
             <xs:element name="skip"><xs:complexType><xs:sequence><xs:any namespace="urn:x ##local" processContents="skip" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>
           </xs:sequence></xs:complexType></xs:element>"#,
    );
    valid(
        &s,
        &r(
            r#"<lax><x:y xmlns:x="urn:x" a="1"><z/></x:y><known>1</known></lax><strict><known>2</known></strict><skip><q xmlns=""/><x:q xmlns:x="urn:x"><known xmlns="urn:t">bad</known></x:q></skip>"#,
        ),
    );
    // Lax still validates what it has declarations for, also deeper down.
    invalid(
        &s,
        &r("<lax><known>x</known></lax><strict/><skip/>"),
        "type:int",
    );
    invalid(
        &s,
        &r(
            r#"<lax><x:y xmlns:x="urn:x"><known xmlns="urn:t">x</known></x:y></lax><strict/><skip/>"#,
        ),
        "type:int",
    );
    invalid(
        &s,
        &r("<lax/><strict><unknown/></strict><skip/>"),
        "undeclared-element",
    );
    invalid(
        &s,
        &r("<lax/><strict/><skip><known>1</known></skip>"),
        "unexpected-element",
    );
}

#[test]
fn identity_constraints_unique_key_keyref() {
    let s = schema(
        r#"<xs:element name="r"><xs:complexType><xs:sequence>
             <xs:element name="item" minOccurs="0" maxOccurs="unbounded"><xs:complexType><xs:sequence>
               <xs:element name="code" type="xs:integer" minOccurs="0"/>
             </xs:sequence><xs:attribute name="id" type="xs:string"/><xs:attribute name="ref" type="xs:string"/></xs:complexType></xs:element>
           </xs:sequence></xs:complexType>
           <xs:unique name="ids"><xs:selector xpath=".//t:item"/><xs:field xpath="@id"/></xs:unique>
           <xs:key name="codes"><xs:selector xpath="t:item"/><xs:field xpath="t:code"/></xs:key>
           <xs:keyref name="refs" refer="t:codes"><xs:selector xpath="t:item"/><xs:field xpath="@ref"/></xs:keyref>
           </xs:element>"#,
    );
    valid(
        &s,
        &r(
            r#"<item id="a"><code>1</code></item><item><code>2</code></item><item><code>3</code></item>"#,
        ),
    );
    invalid(
        &s,
        &r(r#"<item id="a"><code>1</code></item><item id="a"><code>2</code></item>"#),
        "unique",
    );
    // Key values compare in the value space: 01 and 1 are the same integer.
    invalid(
        &s,
        &r("<item><code>01</code></item><item><code>1</code></item>"),
        "key",
    );
    invalid(&s, &r("<item><code>1</code></item><item/>"), "key");
    // The keyref's string "1" is not the key's integer 1: different primitive types never match.
    invalid(
        &s,
        &r(r#"<item><code>1</code></item><item ref="1"><code>2</code></item>"#),
        "keyref",
    );
    let v = check(
        &s,
        &r(r#"<item id="a"><code>1</code></item><item id="a"><code>2</code></item>"#),
    );
    assert_eq!(v[0].path, "/r/item[2]/@id");
}

#[test]
fn keyref_resolves_to_a_key_of_the_same_type() {
    let s = schema(
        r#"<xs:element name="r"><xs:complexType><xs:sequence>
             <xs:element name="def" minOccurs="0" maxOccurs="unbounded"><xs:complexType><xs:attribute name="name" type="xs:token"/></xs:complexType></xs:element>
             <xs:element name="use" minOccurs="0" maxOccurs="unbounded"><xs:complexType><xs:attribute name="of" type="xs:token"/></xs:complexType></xs:element>
           </xs:sequence></xs:complexType>
           <xs:key name="k"><xs:selector xpath="t:def"/><xs:field xpath="@name"/></xs:key>
           <xs:keyref name="kr" refer="t:k"><xs:selector xpath="t:use"/><xs:field xpath="@of"/></xs:keyref>
           </xs:element>"#,
    );
    valid(
        &s,
        &r(r#"<def name="a"/><def name=" b "/><use of="b"/><use of="a"/><use/>"#),
    );
    invalid(&s, &r(r#"<def name="a"/><use of="c"/>"#), "keyref");
    invalid(&s, &r(r#"<def/>"#), "key");
}

#[test]
fn nillable_elements() {
    let s = schema(
        r#"<xs:element name="r"><xs:complexType><xs:sequence>
             <xs:element name="n" type="xs:int" nillable="true"/>
           </xs:sequence></xs:complexType></xs:element>"#,
    );
    let xsi = r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance""#;
    valid(&s, &r(&format!(r#"<n {xsi} xsi:nil="true"/>"#)));
    valid(&s, &r(&format!(r#"<n {xsi} xsi:nil="false">1</n>"#)));
    invalid(&s, &r(&format!(r#"<n {xsi} xsi:nil="true">1</n>"#)), "nil");
    invalid(&s, &r("<n/>"), "type:int");
}

#[test]
fn imports_resolve_other_namespaces() {
    let other = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:o"><xs:simpleType name="color"><xs:restriction base="xs:string"><xs:enumeration value="red"/></xs:restriction></xs:simpleType></xs:schema>"#;
    let main = wrap(
        r#"<xs:import namespace="urn:o" schemaLocation="o.xsd"/>
           <xs:element name="r" xmlns:o="urn:o" type="o:color"/>"#,
    );
    let s = Schema::compile(&main, &[("o.xsd", other)]).unwrap();
    valid(&s, &r("red"));
    invalid(&s, &r("blue"), "enumeration");
    let s = Schema::compile(&main, &[("urn:o", other)]).unwrap();
    valid(&s, &r("red"));
    let e = Schema::compile(&main, &[("urn:o", &wrap(""))]).unwrap_err();
    assert!(e.to_string().contains("target namespace"), "{e}");
}

#[test]
fn unsupported_constructs_are_compile_errors() {
    let cases = [
        (
            r#"<xs:element name="r" substitutionGroup="t:x"/>"#,
            "substitutionGroup",
        ),
        (r#"<xs:element name="r" abstract="true"/>"#, "abstract"),
        (r#"<xs:element name="r" block='#all'/>"#, "block"),
        (r#"<xs:redefine schemaLocation="x"/>"#, "redefine"),
        (r#"<xs:notation name="n" public="p"/>"#, "notation"),
        (r#"<xs:element name="r" type="xs:QName"/>"#, "QName"),
        (r#"<xs:element name="r" type="xs:ID"/>"#, "xs:ID"),
        (
            r#"<xs:element name="r" type="xs:dateTimeStamp"/>"#,
            "dateTimeStamp",
        ),
        (
            r#"<xs:complexType name="c"><xs:openContent/></xs:complexType>"#,
            "openContent",
        ),
        (
            r#"<xs:complexType name="c"><xs:sequence/><xs:assert test="true()"/></xs:complexType>"#,
            "assert",
        ),
        (
            r#"<xs:simpleType name="s"><xs:restriction base="xs:string"><xs:assertion test="true()"/></xs:restriction></xs:simpleType>"#,
            "assertion",
        ),
        (
            r#"<xs:simpleType name="s"><xs:restriction base="xs:string"><xs:pattern value="\p{IsBasicLatin}"/></xs:restriction></xs:simpleType>"#,
            "IsBasicLatin",
        ),
        (
            r#"<xs:simpleType name="s"><xs:restriction base="xs:gYear"><xs:minInclusive value="2000"/></xs:restriction></xs:simpleType>"#,
            "minInclusive",
        ),
        (r#"<xs:element name="r" unknownAttr="1"/>"#, "unknownAttr"),
        (
            r#"<xs:element name="r"><foo:bar xmlns:foo="urn:foo"/></xs:element>"#,
            "another namespace",
        ),
        (r#"<xs:element name="r" type="t:missing"/>"#, "unknown type"),
        (
            r#"<xs:element name="r"><xs:complexType><xs:sequence><xs:element name="a" maxOccurs="1000"/></xs:sequence></xs:complexType></xs:element>"#,
            "maxOccurs",
        ),
        (
            r#"<xs:element name="r"><xs:complexType><xs:sequence><xs:element name="a" minOccurs="0"/><xs:element name="a"/></xs:sequence></xs:complexType></xs:element>"#,
            "deterministic",
        ),
        (
            r#"<xs:group name="g"><xs:sequence><xs:group ref="t:g"/></xs:sequence></xs:group>"#,
            "itself",
        ),
        (
            r#"<xs:complexType name="c"><xs:complexContent><xs:extension base="t:c"/></xs:complexContent></xs:complexType>"#,
            "itself",
        ),
        (
            r#"<xs:simpleType name="s"><xs:restriction base="t:s"/></xs:simpleType>"#,
            "itself",
        ),
        (
            r#"<xs:element name="r"><xs:unique name="u"><xs:selector xpath="../x"/><xs:field xpath="@a"/></xs:unique></xs:element>"#,
            "XPath",
        ),
        (
            r#"<xs:element name="r"><xs:unique name="u"><xs:selector xpath="a[1]"/><xs:field xpath="@a"/></xs:unique></xs:element>"#,
            "XPath",
        ),
        (
            r#"<xs:element name="r"/><xs:element name="r"/>"#,
            "duplicate",
        ),
        (
            r#"<xs:element name="r" vc:typeAvailable="xs:x" xmlns:vc="http://www.w3.org/2007/XMLSchema-versioning"/>"#,
            "typeAvailable",
        ),
    ];
    let mut failures = Vec::new();
    for (body, needle) in cases {
        match Schema::compile(&wrap(body), &[]) {
            Ok(_) => failures.push(format!("compiled: {body}")),
            Err(e) if !e.to_string().contains(needle) => {
                failures.push(format!("{body}: error does not mention {needle:?}: {e}"));
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        compile_err("<xs:element").contains("well-formed"),
        "not-well-formed schemas are errors too"
    );
}

#[test]
fn versioning_attributes_exclude_xsd_1_1_content() {
    // As a 1.0 processor, elements for 1.1 and later are left out; everything else stays.
    let s = schema(
        r#"<xs:element name="r" xmlns:vc="http://www.w3.org/2007/XMLSchema-versioning"><xs:complexType>
             <xs:sequence><xs:element name="a" type="xs:int"/></xs:sequence>
             <xs:assert vc:minVersion="1.1" test="a > 0"/>
           </xs:complexType></xs:element>"#,
    );
    valid(&s, &r("<a>-1</a>"));
    let s = schema(
        r#"<xs:element name="r" type="xs:int" vc:maxVersion="1.1" xmlns:vc="http://www.w3.org/2007/XMLSchema-versioning"/>"#,
    );
    valid(&s, &r("1"));
    invalid(&s, &r("x"), "type:int");
}

#[test]
fn unqualified_local_elements_and_forms() {
    let s = Schema::compile(
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t">
             <xs:element name="r"><xs:complexType><xs:sequence>
               <xs:element name="a" type="xs:string"/>
               <xs:element name="b" type="xs:string" form="qualified"/>
             </xs:sequence><xs:attribute name="q" form="qualified" type="xs:string"/></xs:complexType></xs:element>
           </xs:schema>"#,
        &[],
    )
    .unwrap();
    valid(&s, r#"<t:r xmlns:t="urn:t" t:q="1"><a/><t:b/></t:r>"#);
    invalid(
        &s,
        r#"<t:r xmlns:t="urn:t"><t:a/><t:b/></t:r>"#,
        "unexpected-element",
    );
    invalid(
        &s,
        r#"<t:r xmlns:t="urn:t" q="1"><a/><t:b/></t:r>"#,
        "unexpected-attribute",
    );
}

#[test]
fn schema_compiles_are_isolated_per_schema() {
    let a = schema(r#"<xs:element name="r" type="xs:int"/>"#);
    let b = schema(r#"<xs:element name="r" type="xs:date"/>"#);
    valid(&a, &r("5"));
    invalid(&b, &r("5"), "type:date");
}

#[test]
fn schemas_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Schema>();
}

#[test]
fn undeclared_attributes_have_no_key_value() {
    let s = schema(
        r#"<xs:element name="r"><xs:complexType><xs:sequence>
             <xs:element name="a" minOccurs="0" maxOccurs="unbounded"><xs:complexType>
               <xs:attribute name="id" type="xs:string"/></xs:complexType></xs:element>
             <xs:element name="b" minOccurs="0" maxOccurs="unbounded"><xs:complexType>
               <xs:anyAttribute processContents="lax"/></xs:complexType></xs:element>
           </xs:sequence></xs:complexType>
           <xs:unique name="ids"><xs:selector xpath=".//*"/><xs:field xpath="@id"/></xs:unique>
           </xs:element>"#,
    );
    // `id` on b is let through by the wildcard without a type: it takes no part (as in libxml2).
    valid(&s, &r(r#"<a id="x"/><b id="x"/><b id="x"/>"#));
    invalid(&s, &r(r#"<a id="x"/><a id="x"/><b id="x"/>"#), "unique");
}

#[test]
fn any_uri_values_must_be_uri_references() {
    let s = schema(r#"<xs:element name="r" type="xs:anyURI"/>"#);
    valid(&s, &r(" https://example.com/a b?c=d#e "));
    valid(&s, &r("urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1"));
    invalid(&s, &r("git@github.com:acme/repo.git"), "type:anyURI");
    invalid(&s, &r("%zz"), "type:anyURI");
}

#[test]
fn deeply_nested_schemas_are_bounded() {
    // 10 levels of anonymous types (31 elements deep) compile and validate.
    let open = r#"<xs:element name="e"><xs:complexType><xs:sequence>"#;
    let close = "</xs:sequence></xs:complexType></xs:element>";
    let nested = |n: usize| {
        format!(
            r#"<xs:element name="r"><xs:complexType><xs:sequence>{}<xs:element name="leaf" type="xs:int"/>{}</xs:sequence></xs:complexType></xs:element>"#,
            open.repeat(n),
            close.repeat(n)
        )
    };
    let s = schema(&nested(10));
    valid(
        &s,
        &r(&format!(
            "{}<leaf>1</leaf>{}",
            "<e>".repeat(10),
            "</e>".repeat(10)
        )),
    );
    invalid(
        &s,
        &r(&format!(
            "{}<leaf>x</leaf>{}",
            "<e>".repeat(10),
            "</e>".repeat(10)
        )),
        "type:int",
    );
    // Deeper nesting is refused (by the compiler's recursion bound, then by the document depth
    // limit), never a stack overflow.
    assert!(compile_err(&nested(18)).contains("nest too deeply"));
    assert!(compile_err(&nested(100)).contains("deeper"));
    // A long chain of derivations is bounded too (t0 is compiled first and needs all others).
    let mut chain = String::from(
        r#"<xs:simpleType name="t99"><xs:restriction base="xs:string"/></xs:simpleType>"#,
    );
    for i in 0..99 {
        chain.push_str(&format!(
            r#"<xs:simpleType name="t{i}"><xs:restriction base="t:t{}"/></xs:simpleType>"#,
            i + 1
        ));
    }
    assert!(compile_err(&chain).contains("nest too deeply"));
}
