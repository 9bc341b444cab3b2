package api

import (
	"bytes"
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
	"volmatch/certpdf"
	"volmatch/engine"
)

// Service records, certificates and star levels (issue 15). The engine
// rules who reads whose record; verification and the public key are public
// and show no more than the certificate.

// CorrectRequest corrects a completed assignment's hours: the new hours
// and why (required).
type CorrectRequest struct {
	Hours  float64 `json:"hours"`
	Reason string  `json:"reason"`
}

// CertificateRequest asks for a certificate of a period (Beijing dates,
// both included), optionally of one organisation's services.
type CertificateRequest struct {
	From string `json:"from"`
	To   string `json:"to"`
	Org  string `json:"org,omitempty"`
}

// IssuedCertificate is an issued certificate: the record with its code,
// the signed bytes and signature (base64), and the links to its PDF and
// public verification page.
type IssuedCertificate struct {
	engine.Certificate
	Code      string `json:"code"` // as printed: ABCD-EFGH-...
	PDF       string `json:"pdf"`
	VerifyURL string `json:"verify_url"`
}

// CertificateCheck presents a certificate's signed bytes and signature
// (base64 in JSON) for verification.
type CertificateCheck struct {
	Record    []byte `json:"record"`
	Signature []byte `json:"signature"`
}

// OpeningsRequest imports opening balances (admin).
type OpeningsRequest struct {
	Openings []*volmatch.OpeningBalance `json:"openings"`
}

var (
	pFrom          = Param{Name: "from", In: "query", Type: "string", Required: true, Desc: "first date, 2006-01-02 (Beijing)"}
	pTo            = Param{Name: "to", In: "query", Type: "string", Required: true, Desc: "last date, 2006-01-02 (Beijing), not after today"}
	pCode          = Param{Name: "code", In: "path", Type: "string", Required: true, Desc: "the verification code (dashes and case do not matter)"}
	opRecord       = Op{Summary: "A volunteer's service record of a period (the volunteer, admin, or the organisation's own services)", Tag: "records", Params: []Param{pID, pFrom, pTo, q("org", "one organisation's services")}, Resp: volmatch.ServiceRecord{}}
	opIssueCert    = Op{Summary: "Issue a signed service certificate (志愿服务记录证明) of a period; the same record returns the newest certificate", Tag: "records", Params: idOnly(), Body: CertificateRequest{}, Status: 201, Resp: IssuedCertificate{}}
	opListCerts    = Op{Summary: "A volunteer's certificates, newest first, each genuine or superseded", Tag: "records", Params: idOnly(), Resp: List[engine.CertificateSummary]{}}
	opGetCert      = Op{Summary: "A certificate as its holder downloads it (JSON)", Tag: "records", Params: []Param{pCode}, Resp: IssuedCertificate{}}
	opCertPDF      = Op{Summary: "A certificate as an A4 PDF", Tag: "records", Params: []Param{pCode}, Raw: "application/pdf"}
	opVerifyCode   = Op{Summary: "Verify a certificate by its code (public): genuine, superseded or invalid, with what it shows", Tag: "records", Params: []Param{pCode}, Resp: engine.Verification{}}
	opVerifySigned = Op{Summary: "Verify a certificate's signed bytes and signature (public)", Tag: "records", Body: CertificateCheck{}, Resp: engine.Verification{}}
	opCertKey      = Op{Summary: "The Ed25519 public key that verifies this deployment's certificates (public)", Tag: "records", Resp: engine.PublicKey{}}
	opStars        = Op{Summary: "A volunteer's star level (星级), progress and history", Tag: "records", Params: idOnly(), Resp: engine.StarLevel{}}
	opOpenings     = Op{Summary: "Import opening balances of hours from an earlier system (admin; all or nothing)", Tag: "records", Body: OpeningsRequest{}, Status: 201, Resp: List[volmatch.OpeningBalance]{}}
	opCorrect      = Op{Summary: "Correct a completed assignment's hours (the organisation; with a reason)", Tag: "assignments", Params: idOnly(), Body: CorrectRequest{}, Resp: volmatch.Assignment{}}
)

// recordRoutes registers the routes of records, certificates and stars.
func (s *Server) recordRoutes(h func(method, path string, rs roles, op Op, f gin.HandlerFunc)) {
	get, post := http.MethodGet, http.MethodPost
	h(get, "/volunteers/:id/record", staffAndSelf, opRecord, s.record)
	h(post, "/volunteers/:id/certificates", staffAndSelf, opIssueCert, s.issueCertificate)
	h(get, "/volunteers/:id/certificates", staffAndSelf, opListCerts, s.listCertificates)
	h(get, "/volunteers/:id/stars", staffAndSelf, opStars, getRecord(s, s.eng.Stars))
	h(get, "/certificates/key", public, opCertKey, s.certificateKey)
	h(post, "/certificates/verify", public, opVerifySigned, s.verifySigned)
	h(get, "/certificates/:code", staffAndSelf, opGetCert, s.heldCertificate)
	h(get, "/certificates/:code/pdf", staffAndSelf, opCertPDF, s.certificatePDF)
	h(get, "/certificates/:code/verify", public, opVerifyCode, s.verifyCode)
	h(post, "/openings", adminOnly, opOpenings, s.importOpenings)
	h(post, "/assignments/:id/correct", staff, opCorrect, s.step(volmatch.StepCorrect))
}

func (s *Server) record(c *gin.Context) {
	r, err := s.eng.ServiceRecord(c.Request.Context(), principal(c), engine.RecordRequest{
		Volunteer: c.Param("id"), Org: c.Query("org"), From: c.Query("from"), To: c.Query("to")})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

func (s *Server) issueCertificate(c *gin.Context) {
	var req CertificateRequest
	if err := s.decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	cert, err := s.eng.IssueCertificate(c.Request.Context(), principal(c), engine.RecordRequest{
		Volunteer: c.Param("id"), Org: req.Org, From: req.From, To: req.To})
	if err != nil {
		s.fail(c, err)
		return
	}
	status := http.StatusCreated
	if !cert.New {
		status = http.StatusOK
	}
	c.Header("Location", "/v1/certificates/"+cert.Record.Code)
	c.JSON(status, s.issued(c, cert))
}

// issued adds the printed code and the links to a certificate.
func (s *Server) issued(c *gin.Context, cert *engine.Certificate) IssuedCertificate {
	return IssuedCertificate{Certificate: *cert, Code: engine.FormatCode(cert.Record.Code),
		PDF: "/v1/certificates/" + cert.Record.Code + "/pdf", VerifyURL: s.eng.VerifyURL(cert.Record.Code, requestBase(c.Request))}
}

// requestBase is the scheme and host a request came to.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) listCertificates(c *gin.Context) {
	list, err := s.eng.Certificates(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, List[engine.CertificateSummary]{Items: list})
}

func (s *Server) heldCertificate(c *gin.Context) {
	cert, err := s.eng.HeldCertificate(c.Request.Context(), principal(c), c.Param("code"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.issued(c, cert))
}

func (s *Server) certificatePDF(c *gin.Context) {
	cert, err := s.eng.HeldCertificate(c.Request.Context(), principal(c), c.Param("code"))
	if err != nil {
		s.fail(c, err)
		return
	}
	var b bytes.Buffer
	code := cert.Record.Code
	if err := certpdf.Render(&b, &cert.Record, engine.FormatCode(code), s.eng.VerifyURL(code, requestBase(c.Request))); err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="certificate-`+code+`.pdf"`)
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, "application/pdf", b.Bytes())
}

func (s *Server) verifyCode(c *gin.Context) {
	v, err := s.eng.VerifyCertificate(c.Request.Context(), c.Param("code"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, v)
}

func (s *Server) verifySigned(c *gin.Context) {
	var req CertificateCheck
	if err := s.decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.eng.VerifySigned(c.Request.Context(), req.Record, req.Signature)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) certificateKey(c *gin.Context) {
	k, err := s.eng.CertificateKey()
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, k)
}

func (s *Server) importOpenings(c *gin.Context) {
	var req OpeningsRequest
	if err := s.decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.eng.ImportOpenings(c.Request.Context(), principal(c), req.Openings)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, List[*volmatch.OpeningBalance]{Items: out})
}
