package charts

import (
	"bytes"
	"context"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/a-h/templ"
)

// node is an element of rendered output, parsed with encoding/xml so that
// a test fails on anything that is not well-formed.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []*node    `xml:",any"`
	Text     string     `xml:",chardata"`
}

func (n *node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// text is all the text inside n, children included.
func (n *node) text() string {
	var b strings.Builder
	var walk func(*node)
	walk = func(n *node) {
		b.WriteString(n.Text)
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// all returns n and its descendants, in document order, that match.
func (n *node) all(match func(*node) bool) []*node {
	var out []*node
	var walk func(*node)
	walk = func(n *node) {
		if match(n) {
			out = append(out, n)
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(n)
	return out
}

func (n *node) tag(name string) []*node {
	return n.all(func(m *node) bool { return m.XMLName.Local == name })
}

func (n *node) testID(id string) []*node {
	return n.all(func(m *node) bool { return m.attr("data-testid") == id })
}

// render renders c to a string.
func render(t testing.TB, c templ.Component) string {
	t.Helper()
	var b bytes.Buffer
	if err := c.Render(context.Background(), &b); err != nil {
		t.Fatalf("render: %v", err)
	}
	return b.String()
}

// parse parses rendered output as XML, failing the test if it is not
// well-formed.
func parse(t testing.TB, html string) *node {
	t.Helper()
	var root node
	dec := xml.NewDecoder(strings.NewReader("<root>" + html + "</root>"))
	dec.Strict = true
	if err := dec.Decode(&root); err != nil {
		t.Fatalf("output is not well-formed XML: %v\n%s", err, html)
	}
	return &root
}

// one returns the single element with the test ID, failing otherwise.
func one(t testing.TB, root *node, testID string) *node {
	t.Helper()
	found := root.testID(testID)
	if len(found) != 1 {
		t.Fatalf("found %d elements with data-testid=%q, want 1", len(found), testID)
	}
	return found[0]
}

// tableCells returns the data table's body as rows of header then cells.
func tableCells(t testing.TB, root *node) [][]string {
	t.Helper()
	tbl := one(t, root, "chart-table")
	var rows [][]string
	for _, tr := range tbl.tag("tbody")[0].tag("tr") {
		var row []string
		for _, c := range tr.Children {
			row = append(row, c.text())
		}
		rows = append(rows, row)
	}
	return rows
}
