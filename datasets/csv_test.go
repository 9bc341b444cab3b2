package datasets

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"volmatch"
	"volmatch/taxonomy"
)

func jsonOf(t *testing.T, x any) string {
	t.Helper()
	b, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// clientView drops what CSV does not carry: derived fields and the hidden
// preferences.
func clientView(p *Population) {
	for _, v := range p.Volunteers {
		v.Hidden = nil
		v.Stats = volmatch.VolunteerStats{}
	}
	for _, n := range p.Needs {
		n.Supply = 0
		for i := range n.Shifts {
			n.Shifts[i].Filled = 0
		}
	}
}

func TestRoundTrip(t *testing.T) {
	tax := taxonomy.Load()
	for _, format := range []string{FormatCSV, FormatJSONL} {
		t.Run(format, func(t *testing.T) {
			p := Generate(GenOptions{Volunteers: 800, Needs: 300, Seed: 5})
			if format == FormatCSV {
				clientView(p)
			}
			// Awkward text survives: commas, quotes, new lines.
			p.Volunteers[0].Bio = "擅长书法, \"写春联\"\n也会剪纸"
			p.Needs[0].Description = "第一行,\n第二行 \"引号\""
			var vb, nb bytes.Buffer
			if err := WriteVolunteers(&vb, format, p.Volunteers); err != nil {
				t.Fatal(err)
			}
			if err := WriteNeeds(&nb, format, p.Needs); err != nil {
				t.Fatal(err)
			}
			vs, err := Read(&vb, "volunteers."+format, tax.Has)
			if err != nil {
				t.Fatalf("Read(volunteers.%s) = %v", format, err)
			}
			ns, err := Read(&nb, "needs."+format, tax.Has)
			if err != nil {
				t.Fatalf("Read(needs.%s) = %v", format, err)
			}
			if len(vs.Volunteers) != len(p.Volunteers) || len(ns.Needs) != len(p.Needs) {
				t.Fatalf("read %d volunteers and %d needs, want %d and %d", len(vs.Volunteers), len(ns.Needs), len(p.Volunteers), len(p.Needs))
			}
			for i, v := range p.Volunteers {
				if got, want := jsonOf(t, vs.Volunteers[i]), jsonOf(t, v); got != want {
					t.Fatalf("volunteer %s after %s round trip:\n got %s\nwant %s", v.ID, format, got, want)
				}
			}
			for i, n := range p.Needs {
				if got, want := jsonOf(t, ns.Needs[i]), jsonOf(t, n); got != want {
					t.Fatalf("need %s after %s round trip:\n got %s\nwant %s", n.ID, format, got, want)
				}
			}
		})
	}
}

func TestWriteDirReadDir(t *testing.T) {
	dir := t.TempDir()
	p := Generate(GenOptions{Volunteers: 300, Needs: 50, Seed: 9})
	if err := WriteDir(dir, p); err != nil {
		t.Fatal(err)
	}
	q, err := ReadDir(dir)
	if err != nil {
		t.Fatalf("ReadDir() = %v", err)
	}
	if got, want := jsonOf(t, q), jsonOf(t, p); got != want {
		t.Errorf("ReadDir(WriteDir(p)) differs from p")
	}
}

func TestCSVFormats(t *testing.T) {
	v := Generate(GenOptions{Volunteers: 1, Seed: 1}).Volunteers[0]
	v.Certificates = []volmatch.Certificate{{Name: "first_aid_cert", Expires: DefaultStart.AddDate(1, 0, 0)}}
	n := Generate(GenOptions{Needs: 1, Seed: 1}).Needs[0]
	var vb, nb bytes.Buffer
	if err := WriteVolunteers(&vb, FormatCSV, []*volmatch.Volunteer{v}); err != nil {
		t.Fatal(err)
	}
	if err := WriteNeeds(&nb, FormatCSV, []*volmatch.Need{n}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"first_aid_cert@2027-11-02", v.Availability.String(), strings.Join(volunteerColumns, ",")} {
		if !strings.Contains(vb.String(), want) {
			t.Errorf("volunteer CSV lacks %q:\n%s", want, vb.String())
		}
	}
	s := n.Shifts[0]
	want := "s1@" + s.Start.Format("2006-01-02T15:04:05+08:00") + "/" + s.End.Format("2006-01-02T15:04:05+08:00") + "#"
	if !strings.Contains(nb.String(), want) {
		t.Errorf("need CSV lacks %q:\n%s", want, nb.String())
	}
	if err := WriteVolunteers(&vb, "xml", nil); volmatch.ErrorCode(err) != volmatch.EINVALID {
		t.Errorf("WriteVolunteers(xml) = %v, want EINVALID", err)
	}
}
