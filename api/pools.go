package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"volmatch"
)

func (s *Server) checkPool(p *volmatch.TalentPool) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if !s.has(p.Domain) {
		return volmatch.FieldError("domain", "unknown domain key %q", p.Domain)
	}
	return nil
}

func (s *Server) createPool(c *gin.Context) {
	ctx := c.Request.Context()
	var p volmatch.TalentPool
	err := s.decode(c, &p)
	if err == nil {
		p.UpdatedAt = s.opt.Now()
		err = s.checkPool(&p)
	}
	if err == nil {
		err = s.deps.Store.CreatePool(ctx, &p)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.synced(ctx)
	c.Header("Location", "/v1/pools/"+p.ID)
	c.JSON(http.StatusCreated, &p)
}

func (s *Server) getPool(c *gin.Context) {
	p, err := s.deps.Store.Pool(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (s *Server) listPools(c *gin.Context) {
	o, err := listOptions(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ps, next, err := s.deps.Store.Pools(c.Request.Context(), o)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, List[*volmatch.TalentPool]{Items: nonNil(ps), Next: nextCursor(next)})
}

func (s *Server) updatePool(c *gin.Context) {
	ctx := c.Request.Context()
	var p volmatch.TalentPool
	err := s.decode(c, &p)
	if err == nil {
		err = pathIDMatches(&p.ID, c.Param("id"))
	}
	if err == nil {
		p.UpdatedAt = s.opt.Now()
		err = s.checkPool(&p)
	}
	if err == nil {
		err = s.deps.Store.UpdatePool(ctx, &p)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.synced(ctx)
	c.JSON(http.StatusOK, &p)
}

func (s *Server) deletePool(c *gin.Context) {
	ctx := c.Request.Context()
	if err := s.deps.Store.DeletePool(ctx, c.Param("id")); err != nil {
		s.fail(c, err)
		return
	}
	s.synced(ctx)
	c.Status(http.StatusNoContent)
}

func (s *Server) createStation(c *gin.Context) {
	ctx := c.Request.Context()
	var st volmatch.Station
	err := s.decode(c, &st)
	if err == nil {
		st.UpdatedAt = s.opt.Now()
		err = st.Validate()
	}
	if err == nil {
		err = s.deps.Store.CreateStation(ctx, &st)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.synced(ctx)
	c.Header("Location", "/v1/stations/"+st.ID)
	c.JSON(http.StatusCreated, &st)
}

func (s *Server) getStation(c *gin.Context) {
	st, err := s.deps.Store.Station(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

func (s *Server) listStations(c *gin.Context) {
	o, err := listOptions(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ss, next, err := s.deps.Store.Stations(c.Request.Context(), o)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, List[*volmatch.Station]{Items: nonNil(ss), Next: nextCursor(next)})
}

func (s *Server) updateStation(c *gin.Context) {
	ctx := c.Request.Context()
	var st volmatch.Station
	err := s.decode(c, &st)
	if err == nil {
		err = pathIDMatches(&st.ID, c.Param("id"))
	}
	if err == nil {
		st.UpdatedAt = s.opt.Now()
		err = st.Validate()
	}
	if err == nil {
		err = s.deps.Store.UpdateStation(ctx, &st)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.synced(ctx)
	c.JSON(http.StatusOK, &st)
}

func (s *Server) deleteStation(c *gin.Context) {
	ctx := c.Request.Context()
	if err := s.deps.Store.DeleteStation(ctx, c.Param("id")); err != nil {
		s.fail(c, err)
		return
	}
	s.synced(ctx)
	c.Status(http.StatusNoContent)
}
