package api

import (
	"context"

	"volmatch"
)

// Organisations are registered by admins; social worker tokens are issued
// only for registered ones.

var (
	opCreateOrg = Op{Summary: "Register an organisation (social worker tokens are issued only for registered ones)",
		Tag: "orgs", Body: volmatch.Organisation{}, Status: 201, Resp: volmatch.Organisation{}}
	opGetOrg   = Op{Summary: "Get an organisation (a social worker: their own)", Tag: "orgs", Params: idOnly(), Resp: volmatch.Organisation{}}
	opListOrgs = Op{Summary: "List the registered organisations", Tag: "orgs", Params: pageArgs, Resp: List[volmatch.Organisation]{}}
)

// createOrg is the call of POST /v1/orgs: a new organisation only.
func (s *Server) createOrg(ctx context.Context, tok *volmatch.Token, o *volmatch.Organisation) (*volmatch.Organisation, error) {
	return o, s.eng.CreateOrganisation(ctx, tok, o)
}

func orgID(o *volmatch.Organisation) string { return o.ID }
