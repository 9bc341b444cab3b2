package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
	"volmatch/engine"
)

// The 京津冀 exchange: a volunteer's signed records out (the volunteer or
// an admin), another deployment's signed file in (admin), and what was
// imported for a volunteer. docs/exchange.md describes the file.

var (
	opExport = Op{Summary: "A volunteer's signed exchange file (identity and the services recorded here; docs/exchange.md)", Tag: "exchange",
		Params: idOnly(), Resp: volmatch.ExchangeFile{}}
	opImport = Op{Summary: "Import another deployment's signed exchange file (admin): its services count here once, marked with their source; 422 bad_signature, untrusted_key, own_records or id_card_number",
		Tag: "exchange", Body: volmatch.ExchangeFile{}, Resp: engine.ImportResult{}}
	opImported = Op{Summary: "A volunteer's services imported from other deployments (the volunteer or admin)", Tag: "exchange",
		Params: idOnly(), Resp: []volmatch.ImportedService{}}
)

// exchangeRoutes registers the exchange's routes.
func (s *Server) exchangeRoutes(h func(method, path string, rs roles, op Op, f gin.HandlerFunc)) {
	get, post := http.MethodGet, http.MethodPost
	h(get, "/volunteers/:id/exchange", adminAndSelf, opExport, getRecord(s, s.eng.ExportRecords))
	h(get, "/volunteers/:id/imported", adminAndSelf, opImported, getRecord(s, s.eng.ImportedServices))
	h(post, "/exchange/import", adminOnly, opImport, s.importRecords)
}

func (s *Server) importRecords(c *gin.Context) {
	var f volmatch.ExchangeFile
	if err := s.decode(c, &f); err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.eng.ImportRecords(c.Request.Context(), principal(c), &f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}
